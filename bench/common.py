"""What the benchmark scripts share: their environment, their database, and how they sum up.

The scripts run as files (`.venv/bin/python bench/x.py`), so this module is imported as `common`
from the script's own folder.
"""

from __future__ import annotations

import math
import os
import platform
import re
import secrets
import shlex
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlencode, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent


def configure_environment(*, database_url: str, redis_url: str) -> None:
    """Production settings (DEBUG off) on the benchmark's own database and Redis (defaults only:
    DATABASE_URL and REDIS_URL in the shell win)."""
    os.environ.setdefault("DATABASE_URL", database_url)
    os.environ.setdefault("REDIS_URL", redis_url)
    os.environ["DJANGO_SETTINGS_MODULE"] = "iapt_platform.settings"
    os.environ["DEBUG"] = "false"
    os.environ["SECRET_KEY"] = secrets.token_urlsafe(50)
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    os.environ["SECURE_SSL_REDIRECT"] = "false"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))


def setup_django(
    *,
    static_root: Path | None = None,
    collect: str = "always",
    migrate: bool = False,
    bench_storage: bool = False,
    **overrides: object,
) -> None:
    """Django set up for a bench, once configure_environment has run: the bench's own URLs
    (bench/urls.py: the trivial view, the bare frame) over the site's, the database migrated
    with `migrate`, and the static files collected into `static_root` (`collect`: "always" or
    "missing", when its manifest is absent) by the project's own storage, manifest and
    compressed, so that {% static %} costs what it costs in production (`bench_storage`:
    bench/staticstorage.py's, which needs no compressed copies). `overrides`: other settings."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.test.utils import override_settings

    if static_root is not None:
        overrides["STATIC_ROOT"] = static_root
    if bench_storage:
        overrides["STORAGES"] = {
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "bench.staticstorage.BenchStaticFilesStorage"},
        }
    override_settings(ROOT_URLCONF="bench.urls", **overrides).enable()
    if migrate:
        call_command("migrate", interactive=False, verbosity=0)
    if static_root is not None and (
        collect == "always" or not (static_root / "staticfiles.json").exists()
    ):
        call_command("collectstatic", interactive=False, verbosity=0)


def create_database_if_missing(url: str) -> None:
    import psycopg
    from psycopg import sql

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin_url = urlunsplit(parts._replace(path="/postgres"))
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone() is None:
            conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(f"created database {name}")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def machine_description() -> str:
    """CPU, memory and the versions the figures depend on (once Django is set up)."""
    import django
    from django.conf import settings
    from django.db import connection

    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        match = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
        if match:
            memory = f", {int(match.group(1)) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
        cursor.execute("SHOW shared_buffers")
        buffers = cursor.fetchone()[0]
    redis = ""
    try:
        import redis as redis_lib

        info = redis_lib.Redis.from_url(settings.REDIS_URL).info("server")
        redis = f", Redis {info['redis_version']}"
    except Exception as error:  # the description is informative only
        redis = f", Redis version unknown ({error})"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}; Python {platform.python_version()}, "
        f"Django {django.get_version()}, PostgreSQL {pg} (shared_buffers {buffers}){redis}, "
        "all on the same machine"
    )


def write_section(results: Path, start: str, end: str, section: str) -> None:
    """Put `section` (which begins with `start` and ends with `end`) in the results file: in
    place of the one between the same markers, else at the end. The other sections stay."""
    section = section.rstrip("\n")
    text = results.read_text() if results.exists() else "# Benchmark results\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    results.write_text(text)


def print_table(lines: list[list[str]], *, left: tuple[int, ...] = (0,)) -> None:
    """Rows of cells (the header first) for the terminal: each column as wide as its widest cell,
    the columns in `left` aligned left and the others right, a rule under the header."""
    widths = [max(len(line[i]) for line in lines) for i in range(len(lines[0]))]
    for number, line in enumerate(lines):
        cells = enumerate(zip(line, widths, strict=True))
        print("  ".join(c.ljust(w) if i in left else c.rjust(w) for i, (c, w) in cells))
        if number == 0:
            print("  ".join("-" * w for w in widths))


def markdown_table(lines: list[list[str]], *, left: tuple[int, ...] = (0,)) -> str:
    """The same rows as a Markdown table: the columns in `left` aligned left, the others right."""
    align = ["---" if i in left else "---:" for i in range(len(lines[0]))]
    out = ["| " + " | ".join(lines[0]) + " |", "|" + "|".join(align) + "|"]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in line) + " |" for line in lines[1:]]
    return "\n".join(out)


def page_fetcher(client, url: str, status: int = 200) -> Callable[[], object]:
    """A call that GETs `url` with the test client and stops the run unless it answers `status`."""

    def fetch():
        response = client.get(url)
        if response.status_code != status:
            raise SystemExit(f"GET {url} answered {response.status_code}, not {status}")
        return response

    return fetch


def member_client(email: str = "bench-member@example.org"):
    """A django.test.Client signed in as the benchmarks' member (made when missing), or as
    another account (seed_demo's members may read the forum)."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    member, _ = get_user_model().objects.get_or_create(
        email=email, defaults={"display_name": "Bench member"}
    )
    client = Client()
    client.force_login(member)
    return client


@contextmanager
def member_session(email: str) -> Iterator[str]:
    """A session of the existing member `email` (Django set up), made for the run and deleted
    after it: the Cookie header that carries it."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    from iapt_platform.accounts.models import User

    member = User.objects.get(email=email)
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    try:
        yield f"{settings.SESSION_COOKIE_NAME}={session.session_key}"
    finally:
        session.delete()


def static_file_address() -> str:
    """The address of a small static file of the site (its first stylesheet by name, from the
    collected manifest), the floor the page benches pair their pages with."""
    import json

    from django.conf import settings

    with open(Path(settings.STATIC_ROOT) / "staticfiles.json") as manifest:
        paths = json.load(manifest)["paths"]
    css = sorted(v for k, v in paths.items() if k.endswith(".css") and "admin" not in k)
    return settings.STATIC_URL + (css[0] if css else next(iter(paths.values())))


def tables_without_statistics() -> list[str]:
    """The tables of the database (Django set up) of over 1,000 rows whose planner statistics
    are missing or describe less than four fifths of their rows: a bulk load followed by no
    ANALYZE (with autovacuum off, as on the benchmark machine, none ever comes). The planner
    then guesses a few hundred rows and may pick a plan that scans tens of thousands."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT relname FROM pg_stat_user_tables WHERE n_live_tup > 1000 "
            "AND n_mod_since_analyze > n_live_tup / 5 ORDER BY relname"
        )
        return [name for (name,) in cursor.fetchall()]


# --- Timing: the one loop every in-process bench measures with ------------------------------------


def run_for(
    fn: Callable[[], object],
    *,
    seconds: float,
    warmup: int = 0,
    minimum: int = 1,
    cap: float = 30.0,
    before: Callable[[], object] | None = None,
) -> list[float]:
    """Latencies in seconds of calls to `fn` during `seconds` (the last call ends after them),
    and at least `minimum` calls unless that would take longer than `cap` seconds. `warmup`
    untimed calls come first; `before` runs ahead of each call, untimed (emptying a cache)."""
    for _ in range(warmup):
        fn()
    latencies: list[float] = []
    start = time.perf_counter()
    end = start + seconds
    while True:
        if before is not None:
            before()
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        latencies.append(t1 - t0)
        if t1 >= end and (len(latencies) >= minimum or t1 - start >= cap):
            return latencies


def paired(
    fn: Callable[[], object],
    baseline: Callable[[], object],
    *,
    seconds: float,
    rounds: int = 5,
    baseline_seconds: float = 0.4,
    minimum: int = 1,
    before: Callable[[], object] | None = None,
) -> tuple[list[float], list[float]]:
    """Latencies of `fn` (after `before`, untimed, each time) and of the baseline, measured in
    `rounds` alternating windows: the baseline's of at most `baseline_seconds`, the page's of
    `seconds / rounds` (at least `minimum` calls in all, within 30 s).

    Other processes on the machine come and go: alternating short windows exposes the page and
    its baseline to the same load, so their ratio holds even when the absolute figures move.
    """
    page: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        base += run_for(baseline, seconds=min(baseline_seconds, seconds / rounds))
        page += run_for(
            fn,
            seconds=seconds / rounds,
            minimum=math.ceil(minimum / rounds),
            cap=30.0 / rounds,
            before=before,
        )
    return page, base


def rate(latencies: list[float]) -> float:
    """Calls per second while calling (the time between calls left out)."""
    return len(latencies) / sum(latencies)


def count_queries(fn: Callable[[], object]) -> tuple[int, list[dict]]:
    """The number of queries `fn` runs, and each one's SQL (with %s for its parameters),
    parameters, duration and `where`: the lines of the project's code that asked."""
    from django.db import connection

    captured: list[dict] = []

    def timed_query(execute, sql, params, many, context):
        t0 = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            captured.append(
                {
                    "sql": sql,
                    "params": params,
                    "seconds": time.perf_counter() - t0,
                    "where": _asking_line(),
                }
            )

    with connection.execute_wrapper(timed_query):
        fn()
    return len(captured), captured


def count_redis_calls(fn: Callable[[], object]) -> int:
    """The number of round trips to Redis `fn` makes: each command sent alone, and each pipeline
    (a `get_many`, a `set_many`) as one."""
    import redis

    calls = 0
    single, pipeline = redis.Redis.execute_command, redis.client.Pipeline.execute

    def counted_single(self, *args, **options):
        nonlocal calls
        calls += 1
        return single(self, *args, **options)

    def counted_pipeline(self, *args, **options):
        nonlocal calls
        calls += 1
        return pipeline(self, *args, **options)

    redis.Redis.execute_command = counted_single  # type: ignore[method-assign]
    redis.client.Pipeline.execute = counted_pipeline  # type: ignore[method-assign]
    try:
        fn()
    finally:
        redis.Redis.execute_command = single  # type: ignore[method-assign]
        redis.client.Pipeline.execute = pipeline  # type: ignore[method-assign]
    return calls


def _asking_line(depth: int = 3) -> str:
    """`path:line function` of the innermost `depth` frames in the project's own code (not
    Django's, not a library's, not the bench's), innermost first, or "" when none is on the
    stack: the selector, then the view or template tag that called it."""
    frame = sys._getframe(2)
    root, bench = str(ROOT) + os.sep, str(ROOT / "bench") + os.sep
    found: list[str] = []
    while frame is not None and len(found) < depth:
        path = frame.f_code.co_filename
        if path.startswith(root) and not path.startswith(bench) and "site-packages" not in path:
            found.append(f"{path[len(root) :]}:{frame.f_lineno} {frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(found)


def normalized_sql(sql: str) -> str:
    """The query's shape, to compare one size's queries with another's: white space folded,
    numbers and quoted strings written in by Django as `N` and `'…'`, and a list of parameters
    or values of any length as one `(…)`."""
    sql = " ".join(sql.split())
    sql = re.sub(r"'(?:[^']|'')*'", "'…'", sql)
    sql = re.sub(r"(?<![\w.\"])-?\d+(?:\.\d+)?(?![\w\"])", "N", sql)
    sql = re.sub(r"\((?:\s*(?:%s|N|'…')\s*,)*\s*(?:%s|N|'…')\s*\)", "(…)", sql)
    return sql


def command_line(script: str, *, urls: bool = False) -> str:
    """The command that ran this bench, as RESULTS.md shows it (`bench/SCRIPT.py ARGS`), after
    `DATABASE_URL=… REDIS_URL=…` with `urls`."""
    words = [".venv/bin/python", f"bench/{script}", *sys.argv[1:]]
    prefix = [f"{name}={os.environ[name]}" for name in ("DATABASE_URL", "REDIS_URL") if urls]
    return " ".join([*prefix, *map(shlex.quote, words)])


def measured_initiative_and_thread():
    """The initiative (one in the largest sector, as issue 18's first measure used) and the
    public forum thread (the longest) that the page benches measure."""
    from community.models import Category, Thread
    from initiatives.models import Initiative

    initiative = (
        Initiative.objects.published().filter(sectors__slug="agrifood").order_by("pk")[1000]
    )
    public = Category.objects.filter(is_private=False)
    thread = (
        Thread.objects.filter(category__in=public, is_published=True, hidden=False)
        .order_by("-reply_count", "pk")
        .first()
    )
    return initiative, thread


# --- The list addresses the mixed load asks (bench/load.py's Mix; bench/page_misses.py) -----------

# The words of the load's searches: common, rare and in several languages.
SEARCH_TERMS = ["cluster", "turismo", "software", "cacao", "logistica", "agroindustria", "mujeres"]


def list_filter_values() -> dict[str, list[str]]:
    """The countries of the published initiatives and the sectors' slugs (Django set up): what the
    load's filtered directory and searches choose among."""
    from initiatives.models import Initiative, Sector

    published = Initiative.objects.published()
    return {
        "countries": sorted({str(c) for c in published.values_list("country", flat=True)}),
        "sectors": list(Sector.objects.values_list("slug", flat=True)),
    }


def filtered_address(rng, countries: list[str], sectors: list[str]) -> str:
    """The directory filtered by a country, half the time by a sector too, a fifth by a type."""
    query = {"country": rng.choice(countries)}
    if rng.random() < 0.5:
        query["sector"] = rng.choice(sectors)
    if rng.random() < 0.2:
        query["kind"] = "cluster"
    return "/initiatives/?" + urlencode(query)


def directory_search_address(rng, countries: list[str]) -> str:
    """The directory searched for one of SEARCH_TERMS, with a country three times in ten."""
    query = {"q": rng.choice(SEARCH_TERMS)}
    if rng.random() < 0.3:
        query["country"] = rng.choice(countries)
    return "/initiatives/?" + urlencode(query)


def library_search_address(rng) -> str:
    """The library searched for one of SEARCH_TERMS."""
    return "/library/?" + urlencode({"q": rng.choice(SEARCH_TERMS)})
