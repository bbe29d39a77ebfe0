"""A bounded loopback load test: gunicorn with production settings on PostgreSQL and Redis.

    .venv/bin/python bench/load.py [--rate 50] [--duration 30] [--web-workers 4]

Prepares a dedicated database (migrate, seed_demo, collectstatic), starts gunicorn on 127.0.0.1,
then sends an open-loop mix of anonymous pages (directory, search, filters, initiative pages, the
home page, statistics) and signed-in traffic (account pages and a profile save, a real write) at
the target rate, then at twice that rate. Reports the error rate and p50/p95/p99 latency of each
phase and writes them to bench/RESULTS.md. Every request goes to 127.0.0.1 only; the number of
requests is bounded (rate x duration) and the script stops by itself.
"""

import argparse
import http.client
import os
import random
import re
import secrets
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8077
PYTHON = str(ROOT / ".venv" / "bin" / "python")


def production_env() -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "iapt_platform.settings",
            "DEBUG": "false",
            "SECRET_KEY": env.get("LOAD_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_COOKIES": "false",
            "SECURE_HSTS_SECONDS": "0",
            "DATABASE_URL": env.get(
                "LOAD_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iapt_load"
            ),
            "REDIS_URL": env.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/13"),
            "EMAIL_URL": "dummymail://",  # the profile save sends nothing; no mail leaves anyway
            "API_ANON_RATE": "100000/min",
            "LOG_LEVEL": "WARNING",
        }
    )
    env["LOAD_SECRET_KEY"] = env["SECRET_KEY"]
    return env


def run(args: list[str], env: dict[str, str]) -> None:
    subprocess.run(args, cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


def prepare(env: dict[str, str]) -> None:
    database = env["DATABASE_URL"].rsplit("/", 1)[1]
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", database):
        raise SystemExit(f"unexpected database name {database!r}")
    exists = subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-tAc",
            f"SELECT 1 FROM pg_database WHERE datname='{database}'",  # noqa: S608 (name checked)
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not exists:
        subprocess.run(
            ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {database}"],
            check=True,
        )
    run([PYTHON, "manage.py", "migrate", "--noinput", "-v0"], env)
    run([PYTHON, "manage.py", "seed_demo"], env)
    run([PYTHON, "scripts/compile_translations.py"], env)
    run([PYTHON, "manage.py", "collectstatic", "--noinput", "-v0"], env)


def member_session(env: dict[str, str]) -> str:
    """A session for the demo member, made through Django itself (sign-in is not what we measure)."""
    code = (
        "import django; django.setup();"
        "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY;"
        "from django.contrib.sessions.backends.cache import SessionStore as C;"
        "from importlib import import_module; from django.conf import settings;"
        "from iapt_platform.accounts.models import User;"
        "u = User.objects.get(email='member.en@demo.iapt.local');"
        "s = import_module(settings.SESSION_ENGINE).SessionStore();"
        "s[SESSION_KEY] = str(u.pk); s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend';"
        "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.save(); print(s.session_key)"
    )
    return subprocess.run(
        [PYTHON, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()


def start_gunicorn(env: dict[str, str], workers: int) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "iapt_platform.wsgi:application",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--timeout",
            "30",
            "--access-logfile",
            "/dev/null",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=2)
            connection.request("GET", "/healthz")
            if connection.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not become healthy in 60 s")


ANONYMOUS = [
    (25, "/initiatives/"),
    (15, "/initiatives/?q=cluster"),
    (10, "/initiatives/?q=logistica&country=EC"),
    (10, "/initiatives/?country=BR&sector=software-it"),
    (15, "/initiatives/{initiative}/"),
    (10, "/"),
    (5, "/initiatives/statistics/"),
]
SIGNED_IN = [(5, "/account/"), (3, "/account/profile/"), (2, "POST /account/profile/")]


class Client(threading.local):
    def connection(self) -> http.client.HTTPConnection:
        if getattr(self, "conn", None) is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", PORT, timeout=30)
        return self.conn

    def reset(self) -> None:
        if getattr(self, "conn", None) is not None:
            self.conn.close()
        self.conn = None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--rate", type=float, default=50.0, help="requests per second in the first phase"
    )
    parser.add_argument("--duration", type=float, default=30.0, help="seconds per phase")
    parser.add_argument("--web-workers", type=int, default=4)
    parser.add_argument("--skip-prepare", action="store_true")
    options = parser.parse_args()

    env = production_env()
    if not options.skip_prepare:
        prepare(env)
    session = member_session(env)
    slugs = subprocess.run(
        [
            PYTHON,
            "-c",
            "import django; django.setup(); from initiatives.models import Initiative as I;"
            "print(' '.join(I.objects.published().values_list('slug', flat=True)))",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    server = start_gunicorn(env, options.web_workers)
    client = Client()
    csrf = {"token": ""}

    def fetch(method: str, path: str, cookies: str, body: str = "") -> int:
        headers = {"Host": "127.0.0.1", "Cookie": cookies}
        if method == "POST":
            headers.update(
                {"Content-Type": "application/x-www-form-urlencoded", "X-CSRFToken": csrf["token"]}
            )
        connection = client.connection()
        try:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            return response.status
        except (OSError, http.client.HTTPException):
            client.reset()
            return 0  # a refused or dropped connection

    # A CSRF token for the signed-in writes.
    connection = http.client.HTTPConnection("127.0.0.1", PORT, timeout=10)
    connection.request(
        "GET", "/account/profile/", headers={"Cookie": f"sessionid={session}", "Host": "127.0.0.1"}
    )
    response = connection.getresponse()
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.read().decode())
    cookie = response.getheader("Set-Cookie") or ""
    csrf_cookie = re.search(r"csrftoken=([^;]+)", cookie)
    csrf["token"] = match.group(1) if match else ""
    signed_cookies = f"sessionid={session}" + (
        f"; csrftoken={csrf_cookie.group(1)}" if csrf_cookie else ""
    )
    profile_body = "display_name=Andrea+Clarke&organisation=Jamaica+Tourism+Cluster&position=&country=JM&language=en&time_zone=America%2FJamaica"

    mix = [(w, p, "") for w, p in ANONYMOUS] + [(w, p, signed_cookies) for w, p in SIGNED_IN]
    weights = [w for w, _p, _c in mix]
    rng = random.Random(7)

    def one_request() -> tuple[float, int]:
        _w, path, cookies = rng.choices(mix, weights=weights)[0]
        method = "GET"
        body = ""
        if path.startswith("POST "):
            method, path, body = "POST", path[5:], profile_body
        path = path.replace("{initiative}", rng.choice(slugs))
        started = time.perf_counter()
        status = fetch(method, path, cookies, body)
        return (time.perf_counter() - started) * 1000, status

    def phase(rate: float, duration: float) -> list[tuple[float, int]]:
        total = int(rate * duration)
        results: list[tuple[float, int]] = []
        lock = threading.Lock()
        with ThreadPoolExecutor(max_workers=96) as pool:
            start = time.perf_counter()
            futures = []
            for i in range(total):  # open loop: requests leave on schedule, whatever the answers
                delay = start + i / rate - time.perf_counter()
                if delay > 0:
                    time.sleep(delay)
                futures.append(pool.submit(one_request))
            for future in futures:
                with lock:
                    results.append(future.result())
        return results

    try:
        phase(options.rate / 2, 5)  # warm-up: caches, connections, workers
        rows = []
        for label, rate in (("sustained", options.rate), ("twice the rate", options.rate * 2)):
            results = phase(rate, options.duration)
            latencies = sorted(ms for ms, _s in results)
            statuses: dict[int, int] = {}
            for _ms, status in results:
                statuses[status] = statuses.get(status, 0) + 1
            errors = sum(n for s, n in statuses.items() if s == 0 or (s >= 500 and s != 503))
            quantiles = statistics.quantiles(latencies, n=100)
            rows.append(
                {
                    "phase": label,
                    "rate": rate,
                    "requests": len(results),
                    "errors": errors,
                    "shed": statuses.get(429, 0) + statuses.get(503, 0),
                    "p50": quantiles[49],
                    "p95": quantiles[94],
                    "p99": quantiles[98],
                    "statuses": dict(sorted(statuses.items())),
                }
            )
    finally:
        server.terminate()
        server.wait(timeout=30)

    lines = [
        f"## Load at {options.rate:g} and {options.rate * 2:g} requests/s ({datetime.now(UTC):%Y-%m-%d})",
        "",
        f"Command: `.venv/bin/python bench/load.py --rate {options.rate:g} --duration {options.duration:g} "
        f"--web-workers {options.web_workers}`. gunicorn ({options.web_workers} sync workers), production settings "
        f"(DEBUG off, manifest static files, Redis cache), PostgreSQL and Redis on the same {os.cpu_count()}-core machine "
        "as the load generator. Mix: 90% anonymous pages (directory, search, filters, initiative pages, home, "
        "statistics), 10% signed-in (account pages and a profile save).",
        "",
        "| phase | req/s | requests | errors (5xx, refused) | 429/503 | p50 ms | p95 ms | p99 ms | statuses |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['phase']} | {r['rate']:g} | {r['requests']} | {r['errors']} | {r['shed']} | {r['p50']:.1f} "
            f"| {r['p95']:.1f} | {r['p99']:.1f} | {r['statuses']} |"
        )
    sustained = rows[0]
    met = sustained["errors"] == 0 and sustained["p99"] < 300
    lines += [
        "",
        f"Target (no errors and p99 under 300 ms at {options.rate:g} req/s): **{'met' if met else 'not met'}**. "
        f"At twice the rate: {rows[1]['errors']} errors (5xx other than 503, or refused connections), "
        f"{rows[1]['shed']} answered 429/503.",
        "",
    ]
    report = "\n".join(lines)
    print(report)
    results_file = ROOT / "bench" / "RESULTS.md"
    text = results_file.read_text() if results_file.exists() else "# Benchmark results\n\n"
    text = re.sub(r"## Load at .*?(?=\n## |\Z)", "", text, flags=re.S).rstrip() + "\n\n" + report
    results_file.write_text(text)


if __name__ == "__main__":
    sys.exit(main())
