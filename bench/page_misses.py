"""The cost of a MISS on a public page of one object, or on a list the load asks with many
addresses: N different pages, each asked once.

    .venv/bin/python bench/page_misses.py --kind initiative --calls 200
    .venv/bin/python bench/page_misses.py --kind resource --calls 200 --profile /tmp/r.prof
    .venv/bin/python bench/page_misses.py --kind filtered --calls 100

As the load bench (bench/load.py) asks them: an initiative's page picked at random among the
scale database's published initiatives (100,000), a resource's among the library's, so nearly
every request misses the page cache. In-process (django.test.Client), the production settings,
PostgreSQL and Redis, read-only on the scale database (iapt_scale). For a visitor and for a
signed-in member, in each language (es at /, en at /en/, pt-br at /pt-br/): p50 and p95
milliseconds per miss, wall clock and CPU of this process (process_time: Python, templates,
the database and Redis clients; not PostgreSQL's or Redis's own work), and queries per miss
(their median). The shared caches are warmed first
with other pages of the same kind (as a running site has them); each measured page is new to
the cache. `--profile FILE` profiles every measured request (cProfile; `--profile-clock cpu` in
CPU time) and prints the top.
A kind with fewer pages than the run asks for (40 stories) reads them again, each time after
the kept copies of its pages (and members' kept answers) are dropped from the cache, untimed:
each reading is still a miss of the page, with the other caches as warm as a running site's.

The lists (`--kind filtered`: the directory by country, sector and type; `directory-search`: the
directory's `?q=`; `library-search`: the library's `?q=`) are drawn as bench/load.py's mix draws
them (bench/common.py), so the same address may come twice: before each measured request the
versions of what the page shows (the registry's; the library's and the registry's) are bumped,
untimed, as a change does, so each is a miss of everything kept under them (the page, its counts,
its ids, its rendered results): the first reader of that list after a change. Besides the time:
CPU milliseconds of this process (process_time: the worker's share, not PostgreSQL's or
Redis's), and the Redis round trips (a pipeline counts one).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import random
import statistics
import time
from pathlib import Path

import common
from common import configure_environment, percentile

KEPT_PAGES = {  # the name each kind's page is kept under (iapt_platform/lib/pagecache.py)
    "initiative": "initiatives:detail",
    "resource": "library:detail",
    "story": "stories:detail",
}

SCALE_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/iapt_scale"
REDIS_URL = "redis://127.0.0.1:6379/4"
STATIC = Path(__file__).resolve().parent / "out" / "page-misses-static"  # ignored by git


def signed_in_client(email: str | None, language: str | None = None):
    """A client with a session of an existing member (none is written but the session): `email`,
    else one of the load bench's members whose language is `language` (their pages live under
    its prefix), else the first."""
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.test import Client

    from iapt_platform.accounts.models import User

    members = User.objects.filter(is_active=True, is_staff=False).order_by("pk")
    if email:
        member = members.get(email=email)
    else:
        load_members = members.filter(email__startswith="load.member.", language=language)
        member = load_members.first() or members.first()
    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY] = str(member.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = member.get_session_auth_hash()
    session.save()
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = session.session_key
    return client, member


def addresses(kind: str, count: int, seed: int) -> list[str]:
    """`count` different addresses (without a language prefix) of pages of `kind`."""
    if kind == "initiative":
        from initiatives.models import Initiative

        slugs = list(Initiative.objects.published().values_list("slug", flat=True))
        return [f"/initiatives/{s}/" for s in random.Random(seed).sample(slugs, count)]
    if kind == "resource":
        from django.utils import translation

        from library.models import Resource

        with translation.override("es"):
            ids = list(Resource.objects.published().values_list("pk", flat=True))
            chosen = random.Random(seed).sample(ids, count)
            return [r.get_absolute_url() for r in Resource.objects.filter(pk__in=chosen)]
    if kind == "story":
        from django.utils import translation

        from initiatives.stories.models import Story

        with translation.override("es"):
            stories = list(Story.objects.public())
            addresses = [s.get_absolute_url() for s in stories]
            chosen = random.Random(seed).sample(addresses, min(count, len(addresses)))
            # Too few: read again (main() drops the kept copies before each reading).
            return [chosen[n % len(chosen)] for n in range(count)]
    if kind in LISTS:
        rng = random.Random(seed)
        if kind == "library-search":
            return [common.library_search_address(rng) for _ in range(count)]
        values = common.list_filter_values()
        if kind == "filtered":
            return [
                common.filtered_address(rng, values["countries"], values["sectors"])
                for _ in range(count)
            ]
        return [common.directory_search_address(rng, values["countries"]) for _ in range(count)]
    raise SystemExit(f"unknown kind {kind}")


LISTS = ("filtered", "directory-search", "library-search")


def bump_versions(kind: str) -> None:
    """What the list's pages show changed (as after an edit): everything kept of them is missed."""
    from initiatives.selectors import REGISTRY_VERSION
    from library.selectors import LIBRARY_VERSION

    REGISTRY_VERSION.bump()
    if kind == "library-search":
        LIBRARY_VERSION.bump()


class RedisCalls:
    """Counts the round trips to Redis of every client in this process (a pipeline is one)."""

    def __init__(self) -> None:
        import redis

        self.count = 0
        plain, pipelined = redis.Redis.execute_command, redis.client.Pipeline.execute

        def execute_command(client, *args, **options):
            self.count += 1
            return plain(client, *args, **options)

        def execute(pipeline, *args, **options):
            self.count += 1
            return pipelined(pipeline, *args, **options)

        redis.Redis.execute_command = execute_command
        redis.client.Pipeline.execute = execute


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--kind", default="initiative", choices=["initiative", "resource", "story", *LISTS]
    )
    parser.add_argument(
        "--calls", type=int, default=150, help="different pages per reader and language"
    )
    parser.add_argument("--warm", type=int, default=30, help="other pages asked first")
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--member", default=None, help="the member's email (else the first)")
    parser.add_argument("--who", default="visitor,member")
    parser.add_argument("--languages", default="es,en,pt-br")
    parser.add_argument("--profile", default=None, help="write cProfile stats here")
    parser.add_argument(
        "--profile-clock",
        default="wall",
        choices=["wall", "cpu"],
        help="what the profile counts: elapsed time, or this process's CPU time",
    )
    args = parser.parse_args()

    os.environ.setdefault("CACHE_KEY_PREFIX", "iapt-page-misses")
    configure_environment(database_url=SCALE_DATABASE_URL, redis_url=REDIS_URL)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, override_settings

    override_settings(STATIC_ROOT=STATIC).enable()
    if not (STATIC / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    seed = args.seed if args.seed is not None else time.time_ns()
    languages = args.languages.split(",")
    who = args.who.split(",")
    needed = args.warm + args.calls * len(languages) * len(who)
    pool = addresses(args.kind, needed, seed)
    redis_calls = RedisCalls()
    visitor = Client()
    members = {lang: signed_in_client(args.member, lang) for lang in languages}
    emails = ", ".join(sorted({row.email for _, row in members.values()}))

    def client_of(reader: str, language: str):
        return visitor if reader == "visitor" else members[language][0]

    prefix = {"es": "", "en": "/en", "pt-br": "/pt-br"}

    def drop_kept_pages() -> None:
        """The kept copies of this kind's pages and the members' kept answers for them."""
        from django.core.cache import cache

        client = cache._cache.get_client()  # the Redis client of Django's backend
        for pattern in (f"pagecache:{KEPT_PAGES[args.kind]}:*", "pagecache:answers:*"):
            keys = list(client.scan_iter(cache.make_key(pattern), count=1000))
            if keys:
                client.delete(*keys)

    # Lists bump their versions instead (bump_versions): each reading is a miss all the same.
    repeats = args.kind not in LISTS and len(set(pool)) < len(pool)

    def get(client, url: str) -> None:
        response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"GET {url} answered {response.status_code}")

    for n, path in enumerate(pool[: args.warm]):  # the shared caches, as a running site has them
        language = languages[n % len(languages)]
        get(client_of(who[n % len(who)], language), prefix[language] + path)
    pool = pool[args.warm :]
    clock = time.process_time if args.profile_clock == "cpu" else time.perf_counter
    profiler = cProfile.Profile(clock) if args.profile else None
    print(
        f"{args.kind} pages, {args.calls} {'readings' if repeats else 'different pages'} per row, "
        f"members {emails}; "
        f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(
        "| who | language | p50 ms | p95 ms | mean ms | CPU p50 ms | CPU p95 ms | CPU mean ms "
        "| queries (median) | Redis calls (median) |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for reader in who:
        for language in languages:
            times, cpu, counts, calls = [], [], [], []
            for _ in range(args.calls):
                url = prefix[language] + pool.pop()
                if repeats:
                    drop_kept_pages()
                if args.kind in LISTS:
                    bump_versions(args.kind)
                redis_calls.count = 0
                with CaptureQueriesContext(connection) as captured:
                    if profiler:
                        profiler.enable()
                    start, start_cpu = time.perf_counter(), time.process_time()
                    get(client_of(reader, language), url)
                    cpu.append(time.process_time() - start_cpu)
                    times.append(time.perf_counter() - start)
                    if profiler:
                        profiler.disable()
                counts.append(len(captured.captured_queries))
                calls.append(redis_calls.count)
            print(
                f"| {reader} | {language} | {percentile(times, 50) * 1000:.1f} | "
                f"{percentile(times, 95) * 1000:.1f} | {statistics.mean(times) * 1000:.1f} | "
                f"{percentile(cpu, 50) * 1000:.1f} | {percentile(cpu, 95) * 1000:.1f} | "
                f"{statistics.mean(cpu) * 1000:.1f} | {statistics.median(counts):g} | "
                f"{statistics.median(calls):g} |"
            )
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if profiler:
        profiler.dump_stats(args.profile)
        stats = pstats.Stats(args.profile)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
