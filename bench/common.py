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
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

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


def page_fetcher(client, url: str):
    """A call that GETs `url` with the test client and stops the run unless it answers 200."""

    def fetch():
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")
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


# Paired timing: a page's requests in windows alternating with a baseline's, in the same run.
def run_for(fn: Callable[[], object], seconds: float) -> list[float]:
    latencies = []
    end = time.perf_counter() + seconds
    while True:
        t0 = time.perf_counter()
        fn()
        t1 = time.perf_counter()
        latencies.append(t1 - t0)
        if t1 >= end:
            return latencies


def paired(fn, baseline, seconds: float, rounds: int = 4) -> tuple[list[float], list[float]]:
    page: list[float] = []
    base: list[float] = []
    for _ in range(rounds):
        base += run_for(baseline, min(0.3, seconds / rounds))
        page += run_for(fn, seconds / rounds)
    return page, base


def rate(latencies: list[float]) -> float:
    return len(latencies) / sum(latencies)


def command_line(script: str) -> str:
    """The command that ran this bench, as RESULTS.md shows it (`bench/SCRIPT.py ARGS`)."""
    return " ".join(shlex.quote(a) for a in [".venv/bin/python", f"bench/{script}", *sys.argv[1:]])


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
