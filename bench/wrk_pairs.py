"""Every public page type as a share of a static file served by the same gunicorn, with wrk.

    .venv/bin/python bench/wrk_pairs.py [--seconds 8] [--pairs 3] [--only PATTERN] [--no-write]

Uses the scale database of bench/scale.py (100,000 initiatives, 50,000 resources, 100,000 forum
posts; seeded on the first run, reused afterwards) and Redis db 12 (emptied first; a database of
its own: the other benchmarks bump the cache versions in db 2, which empties the page cache under
the measurement), starts gunicorn with the repository's gunicorn.conf.py (3 gthread workers,
production settings, DEBUG off) on 127.0.0.1:8102, and for each page runs wrk (2 threads, 8 connections, `--seconds` windows) on a
static file served by WhiteNoise in the same gunicorn, then on the page: a pair. Each page gets
`--pairs` pairs; the figures are the medians of the pairs (req/s, p99, and the page's rate divided
by its own pair's static rate: the share of the floor). Members' pages send a signed-in member's
session cookie. wrk must be on the PATH (`apt-get install -y wrk`).

Environment: WRK_DATABASE_URL (default the scale database), WRK_REDIS_URL (redis db 12),
WRK_PORT (8102). The results go to stdout and to bench/RESULTS.md between this script's markers.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import secrets
import shutil
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import common
from common import measured_initiative_and_thread

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PYTHON = str(ROOT / ".venv" / "bin" / "python")
RESULTS = BENCH / "RESULTS.md"
START_MARKER = "<!-- bench/wrk_pairs.py: start -->"
END_MARKER = "<!-- bench/wrk_pairs.py: end -->"
PORT = int(os.environ.get("WRK_PORT", "8102"))
DATABASE_URL = os.environ.get("WRK_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iapt_scale")
REDIS_URL = os.environ.get("WRK_REDIS_URL", "redis://127.0.0.1:6379/12")
VISITOR_SHARE = 0.25  # the issue's targets: share of the static floor
MEMBER_SHARE = 0.10
VISITOR_P99_MS = 100.0

# The issue's "before" table (2026-12-06): page -> (req/s, share of the floor, p99 ms).
BEFORE = {
    "static file (floor)": ("~2,000", "1", ""),
    "/initiatives/ (visitors' page cache)": ("606", "0.29", "124 ms"),
    "/initiatives/?country=EC": ("453", "0.25", "113 ms"),
    "/healthz": ("194", "0.09", "386 ms"),
    "/initiatives/statistics/": ("106", "0.05", "284 ms"),
    "/stories/": ("106", "0.07", "175 ms"),
    "/library/": ("160", "0.05", "169 ms"),
    "/ (home)": ("65", "0.03", "672 ms"),
    "an initiative's page": ("8", "0.005", "1.34 s"),
}


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
            "DEBUG": "false",
            "SECRET_KEY": env.get("WRK_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SITE_URL": f"http://127.0.0.1:{PORT}",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": DATABASE_URL,
            "REDIS_URL": REDIS_URL,
            "EMAIL_URL": "dummymail://",
            "STATIC_ROOT": str(OUT / "load-static"),
            "MEDIA_ROOT": str(OUT / "load-media"),
            "PRIVATE_MEDIA_ROOT": str(OUT / "load-private-media"),
            "LOG_LEVEL": "WARNING",
            "WEB_CONCURRENCY": "3",
        }
    )
    env["WRK_SECRET_KEY"] = env["SECRET_KEY"]  # the sessions made below must verify in gunicorn
    return env


def inside(step: str, env: dict[str, str]) -> dict:
    out = subprocess.run(
        [PYTHON, __file__, "--inside", step], cwd=ROOT, env=env, capture_output=True, text=True
    )
    if out.returncode != 0:
        raise SystemExit(f"step {step} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def targets_inside() -> dict:
    """A member's session and one address of each public page type (Django side)."""
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from community.meetings.models import Meeting
    from iapt_platform.accounts.models import User
    from initiatives.models import Programme
    from initiatives.stories.models import Story
    from library.models import Collection, Resource

    member = User.objects.get(email="member.en@demo.iapt.local")
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    # An initiative in the largest sector, as the issue's measure used.
    initiative, thread = measured_initiative_and_thread()
    programme = Programme.objects.filter(initiatives__isnull=False).order_by("pk").first()
    story = Story.objects.public().order_by("-published_at").first()
    resource = Resource.objects.published().order_by("-published_at").first()
    collection = Collection.objects.order_by("pk").first()
    meeting = Meeting.objects.order_by("-pk").first()
    pages = [
        ("/initiatives/ (visitors' page cache)", "/initiatives/", False),
        ("/initiatives/?country=EC", "/initiatives/?country=EC", False),
        ("/initiatives/?q=cluster", "/initiatives/?q=cluster", False),
        ("/healthz", "/healthz", False),
        ("/initiatives/statistics/", "/initiatives/statistics/", False),
        ("/stories/", "/stories/", False),
        ("/library/", "/library/", False),
        ("/library/?q=cluster", "/library/?q=cluster", False),
        ("/search/?q=cluster", "/search/?q=cluster", False),
        ("/ (home)", "/", False),
        ("an initiative's page", f"/initiatives/{initiative.slug}/", False),
        ("a country's page", "/initiatives/countries/EC/", False),
        ("a sector's page", "/initiatives/sectors/logistics/", False),
        ("/collaboration/", "/collaboration/", False),
        ("/meetings/", "/meetings/", False),
        ("/bulletin/", "/bulletin/", False),
        ("/community/", "/community/", False),
        ("members: /initiatives/", "/initiatives/", True),
        ("members: an initiative's page", f"/initiatives/{initiative.slug}/", True),
    ]
    if programme:
        pages.insert(
            12, ("a programme's page", f"/initiatives/programmes/{programme.slug}/", False)
        )
    if story:
        pages.insert(6, ("a story", f"/stories/{story.slug}/", False))
    if resource:
        pages.insert(9, ("a library resource", f"/library/{resource.slug}/", False))
    if collection:
        pages.append(("a library collection", f"/library/collections/{collection.slug}/", False))
    if meeting:
        pages.append(("a meeting", meeting.get_absolute_url(), False))
    # Where a link to a members' page sends a visitor: the sign-in page with `next` that page.
    wanted = f"/community/t/{thread.pk}/" if thread else "/community/"
    pages.append(("the sign-in page (?next=)", f"/accounts/login/?next={wanted}", False))
    if thread:
        pages.append(("a forum thread", f"/community/t/{thread.pk}/", False))
        pages.append(("members: a forum thread", f"/community/t/{thread.pk}/", True))
    return {
        "cookie": f"{settings.SESSION_COOKIE_NAME}={session.session_key}",
        "static": common.static_file_address(),
        "pages": pages,
    }


def final_address(path: str, cookie: str | None) -> tuple[str, int, int]:
    """Follow redirects (the language prefix) to the page's own address; its status and size.
    A shed 503 (the workers still finishing the previous window's queue) is asked again."""
    for _ in range(20):
        path, status, size = _final_address(path, cookie)
        if status != 503:
            break
        time.sleep(2)
    return path, status, size


def _final_address(path: str, cookie: str | None) -> tuple[str, int, int]:
    for _ in range(5):
        request = urllib.request.Request(f"http://127.0.0.1:{PORT}{path}")
        if cookie:
            request.add_header("Cookie", cookie)

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        opener = urllib.request.build_opener(NoRedirect)
        try:
            with opener.open(request, timeout=30) as response:
                return path, response.status, len(response.read())
        except urllib.error.HTTPError as error:
            if error.code in (301, 302, 303, 307, 308):
                location = error.headers["Location"]
                path = re.sub(r"^https?://[^/]+", "", location)
                continue
            return path, error.code, 0
    return path, 0, 0


WRK_LATENCY = re.compile(r"^\s+99%\s+([\d.]+)(us|ms|s)\s*$", re.M)


def wrk(path: str, seconds: float, cookie: str | None) -> dict:
    command = ["wrk", "-t2", "-c8", f"-d{seconds:g}s", "--latency", "--timeout", "10s"]
    if cookie:
        command += ["-H", f"Cookie: {cookie}"]
    out = subprocess.run(
        [*command, f"http://127.0.0.1:{PORT}{path}"], capture_output=True, text=True, check=True
    ).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    total = int(re.search(r"(\d+) requests in", out).group(1))
    match = WRK_LATENCY.search(out)
    p99 = None
    if match:
        value, unit = float(match.group(1)), match.group(2)
        p99 = value / 1000 if unit == "us" else value * 1000 if unit == "s" else value
    bad = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    non2xx = int(bad.group(1)) if bad else 0
    return {
        # Answers other than 2xx or 3xx (a shed 503) are not counted in the rate.
        "rate": rate * (total - non2xx) / total if total else 0.0,
        "p99": p99,
        "non2xx": non2xx,
        "socket_errors": errors.group(1) if errors else "",
    }


def start_gunicorn(env: dict[str, str], log: Path) -> subprocess.Popen:
    log.parent.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "iapt_platform.wsgi:application",
            "--config",
            str(ROOT / "gunicorn.conf.py"),
            "--bind",
            f"127.0.0.1:{PORT}",
            "--access-logfile",
            "/dev/null",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log.open("w"),
    )
    deadline = time.time() + 90
    while time.time() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited; see {log}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{PORT}/healthz", timeout=5) as r:
                if r.status == 200:
                    return process
        except OSError:
            pass
        time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not become healthy in 90 s")


def prepare(env: dict[str, str], *, seed: bool = True) -> None:
    """The scale database (seeded once), static files collected, Redis db emptied.

    Without `seed` the database is left alone (read-only users of the scale database); the
    static files and the empty cache are still needed, or a page cached by older code is
    measured."""
    if seed:
        subprocess.run(
            [PYTHON, str(BENCH / "scale.py")],
            cwd=ROOT,
            env={**env, "SCALE_DATABASE_URL": env["DATABASE_URL"]},
            check=True,
        )
    if not (OUT / "load-static" / "staticfiles.json").exists():
        subprocess.run(
            [PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"],
            cwd=ROOT,
            env=env,
            check=True,
        )
    import redis

    redis.Redis.from_url(env["REDIS_URL"]).flushdb()


def report(rows: list[dict], static: str, options, load: tuple, seconds: float) -> str:
    command = ".venv/bin/python bench/wrk_pairs.py" + "".join(
        f" {a}" for a in sys.argv[1:] if a != "--no-write"
    )
    lines = [
        START_MARKER,
        f"## Every page against a static file, with wrk ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Command: `{command}`",
        "",
        f"gunicorn with gunicorn.conf.py (3 gthread workers, {os.environ.get('GUNICORN_THREADS', '16')}"
        f" threads, `MAX_CONCURRENT_REQUESTS` {os.environ.get('MAX_CONCURRENT_REQUESTS', '5')} per"
        f" worker, `REQUEST_QUEUE_TIMEOUT` {os.environ.get('REQUEST_QUEUE_TIMEOUT', '100')} ms,"
        " production settings, DEBUG off) on PostgreSQL and Redis, the scale database of"
        " bench/scale.py (100,000 initiatives, 50,000 resources, 100,000 forum posts); wrk on"
        f" loopback, 2 threads, 8 connections, {options.seconds:g} s windows; each page paired with"
        f" the static file `{static}` served by the same gunicorn (WhiteNoise) in the window"
        f" before it; medians of {options.pairs} pairs. Load average {load[0]:.1f} at the start,"
        f" {load[1]:.1f} at the end (2 cores, gunicorn and wrk included): absolute rates move with"
        " whatever else runs, the shares less. Members' pages carry a"
        " signed-in member's session cookie. *req/s* counts 2xx and 3xx answers only; *503s*"
        " (all pairs) are refusals of the load shedding (wrk's 8 keep-alive connections are not"
        " spread evenly over the 3 workers; a request waits up to `REQUEST_QUEUE_TIMEOUT` for a"
        " slot first). *met*: the share and p99 targets, and not one 503 at 8 connections."
        f" Whole run {seconds / 60:.0f} min.",
        "",
        "| page | before: req/s | before: share | before: p99 | req/s | share of the floor"
        " | p99 | floor req/s | floor p99 | target | met | 503s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|---|---:|",
    ]
    for row in rows:
        before = BEFORE.get(row["label"], ("", "", ""))
        member = row["label"].startswith("members")
        target = f">= {MEMBER_SHARE:g}" if member else f">= {VISITOR_SHARE:g}, p99 < 100 ms"
        if member:
            met = row["share"] >= MEMBER_SHARE
        else:
            met = row["share"] >= VISITOR_SHARE and (row["p99"] or 1e9) < VISITOR_P99_MS
        met = met and row["non2xx"] == 0
        row["met"] = met
        lines.append(
            f"| {row['label']} (`{row['path']}`) | {before[0]} | {before[1]} | {before[2]} "
            f"| {row['rate']:,.0f} | {row['share']:.3f} | {common.fmt(row['p99'], '.0f')} ms "
            f"| {row['floor']:,.0f} | {common.fmt(row['floor_p99'], '.0f')} ms | {target} | {'met' if met else 'NOT MET'} | {row['non2xx']} |"
        )
    visitors = [r for r in rows if not r["label"].startswith("members")]
    lines += [
        "",
        f"Targets: {sum(1 for r in rows if r['met'])} of {len(rows)} pages met; visitors' pages"
        f" under {VISITOR_P99_MS:g} ms at the p99: {sum(1 for r in visitors if (r['p99'] or 1e9) < VISITOR_P99_MS)}"
        f" of {len(visitors)}; 503s at 8 connections: {sum(r['non2xx'] for r in rows)} in all.",
        END_MARKER,
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=8.0, help="wrk window")
    parser.add_argument("--pairs", type=int, default=3, help="pairs per page (median)")
    parser.add_argument("--only", help="measure only the pages whose label matches this regex")
    parser.add_argument(
        "--skip-prepare", action="store_true", help="database already seeded: do not seed it"
    )
    parser.add_argument("--no-write", action="store_true", help="do not touch RESULTS.md")
    parser.add_argument("--inside", choices=["targets"], help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.inside:
        print(json.dumps(targets_inside()))
        return
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not on the PATH: apt-get install -y wrk")

    started = time.perf_counter()
    load_before = os.getloadavg()[0]
    env = environment()
    prepare(env, seed=not options.skip_prepare)
    targets = inside("targets", env)
    server = start_gunicorn(env, OUT / "wrk-gunicorn.log")
    rows = []
    try:
        static = targets["static"]
        _path, status, size = final_address(static, None)
        if status != 200:
            raise SystemExit(f"the static file {static} answered {status}")
        print(f"floor: {static} ({size:,} bytes)")
        for label, path, member in targets["pages"]:
            if options.only and not re.search(options.only, label):
                continue
            cookie = targets["cookie"] if member else None
            path, status, size = final_address(path, cookie)
            if status != 200:
                print(f"skipped {label}: {path} answered {status}")
                continue
            for _ in range(3):  # the first requests fill the caches, as a visitor before did
                final_address(path, cookie)
            pairs = []
            for _ in range(options.pairs):
                floor = wrk(static, options.seconds, None)
                page = wrk(path, options.seconds, cookie)
                pairs.append((floor, page))
            row = {
                "label": label,
                "path": path,
                "floor": statistics.median(f["rate"] for f, _p in pairs),
                "rate": statistics.median(p["rate"] for _f, p in pairs),
                "share": statistics.median(p["rate"] / f["rate"] for f, p in pairs),
                "p99": statistics.median(p["p99"] or 0 for _f, p in pairs),
                "floor_p99": statistics.median(f["p99"] or 0 for f, _p in pairs),
                "non2xx": sum(p["non2xx"] for _f, p in pairs),
            }
            rows.append(row)
            print(
                f"{label:42} {row['rate']:8,.0f} req/s  share {row['share']:.3f}  "
                f"p99 {row['p99']:7.0f} ms  floor {row['floor']:7,.0f} (p99 {row['floor_p99']:.0f} ms)  "
                f"503s {row['non2xx']}",
                flush=True,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=40)
        except subprocess.TimeoutExpired:
            server.kill()
    block = report(
        rows,
        targets["static"],
        options,
        (load_before, os.getloadavg()[0]),
        time.perf_counter() - started,
    )
    print(block)
    if not options.no_write and not options.only:
        common.write_section(RESULTS, START_MARKER, END_MARKER, block)


if __name__ == "__main__":
    main()
