"""Searches of the registry, the library and the one search at scale: the selectors the pages call.

    .venv/bin/python bench/search_uncached.py [--calls 20] [--pages search] [--member]
        [--costs] [--profile FILE]

On the scale database of bench/scale.py (100,000 initiatives, 50,000 resources; read only), gets
the pages /initiatives/?q=, /library/?q= and /search/?q= in process (django.test.Client, a
visitor, production settings). Uncached, each request first invalidates the cache as a change to
the registry and the library does (their versions; the other kinds of /search/ keep theirs);
cached, the same request again. For a baseline, copy this script into another checkout (for
example `git archive main | tar -x -C /tmp/base`) and run it there, back to back with this one. Prints the median and the 95th percentile per term (common, rare, zero-hit), and the load
average: on a shared machine, compare runs made back to back (for example this tree against
another checkout on the same database). *uncached CPU* is this process's CPU time per uncached
request (process_time: Python, not PostgreSQL's or Redis's), steadier than wall time on a busy
machine.

`--pages` measures only some of the pages (`initiatives`, `library`, `search`); `--member` asks as
a signed-in member (who also searches the forum, and whose pages are never kept); `--costs` adds
the queries and Redis round trips of one uncached and one cached request per term; `--profile
FILE` profiles (cProfile) every uncached request and prints the top functions.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import statistics
import time

import common

TERMS = [("common", "cluster"), ("rare", "xilofono"), ("zero-hit", "qwertyzz")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20, help="calls per term and mode")
    parser.add_argument("--pages", nargs="*", default=["initiatives", "library", "search"])
    parser.add_argument("--member", action="store_true", help="a signed-in member asks")
    parser.add_argument("--costs", action="store_true", help="queries and Redis round trips")
    parser.add_argument("--profile", default=None, help="write cProfile stats of uncached calls")
    args = parser.parse_args()
    common.configure_environment(
        database_url="postgres://postgres@127.0.0.1:5432/iapt_scale",
        redis_url="redis://127.0.0.1:6379/2",
    )
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import AnonymousUser
    from django.core.management import call_command
    from django.http import QueryDict
    from django.test import Client
    from django.test.utils import override_settings

    import initiatives
    from iapt_platform.lib import site_search
    from initiatives.selectors import initiative_directory, registry_changed
    from library.selectors import library_changed, resource_browse

    static_root = common.ROOT / "bench" / "out" / "static-search"
    override_settings(
        STATIC_ROOT=static_root,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "bench.staticstorage.BenchStaticFilesStorage"},
        },
        SITE_SEARCH_RATE=10**9,  # the brake on floods is not what is measured
    ).enable()
    if not (static_root / "staticfiles.json").exists():
        call_command("collectstatic", interactive=False, verbosity=0)
    # A visitor (or a member), in Spanish (the unprefixed addresses).
    client = Client()
    reader = AnonymousUser()
    if args.member:  # an existing member, not a moderator (the scale database is read only)
        from iapt_platform.accounts import roles
        from iapt_platform.accounts.models import User

        members = User.objects.filter(groups__name=roles.MEMBER, is_active=True, language="es")
        reader = members.exclude(groups__name=roles.MODERATOR).order_by("pk")[0]
        client.force_login(reader)
    profiler = cProfile.Profile() if args.profile else None

    def invalidate() -> None:
        registry_changed()
        library_changed()

    def registry(term: str) -> str:
        directory = initiative_directory(QueryDict(f"q={term}"), page_number=None)
        more = getattr(directory, "more", False)  # absent before the capped counts
        return f"{directory.page.paginator.count:,}{'+' if more else ''}"

    def library(term: str) -> str:
        browse = resource_browse(QueryDict(f"q={term}"), page_number=None)
        more = getattr(browse, "more", False)
        return f"{browse.page.paginator.count:,}{'+' if more else ''}"

    def everything(term: str) -> str:
        results = site_search.run(term, user=reader, language="es")
        return f"{results.total:,}{'+' if results.more else ''}"

    def get(path: str) -> None:
        response = client.get(path)
        assert response.status_code == 200, (path, response.status_code)

    print(f"tree: {os.path.dirname(os.path.dirname(initiatives.__file__))}")
    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(
        f"{'page (visitor)':16} {'term':22} {'matches':>8} {'uncached p50':>13} {'p95':>7} "
        f"{'cached p50':>11} {'p95':>7} {'uncached CPU p50':>17}"
    )
    pages = (
        ("/initiatives/", registry),
        ("/library/", library),
        ("/search/", everything),
    )
    for path, count in pages:
        if path.strip("/") not in args.pages:
            continue
        for kind, term in TERMS:
            invalidate()
            found = count(term)
            uncached, cached, cpu = [], [], []
            get(f"{path}?q={term}")
            for _ in range(args.calls):
                invalidate()
                if profiler:
                    profiler.enable()
                t0, c0 = time.perf_counter(), time.process_time()
                get(f"{path}?q={term}")
                uncached.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
                if profiler:
                    profiler.disable()
                t0 = time.perf_counter()
                get(f"{path}?q={term}")
                cached.append((time.perf_counter() - t0) * 1000)
            print(
                f"{path:16} {kind + ' q=' + term:22} {found:>8} "
                f"{statistics.median(uncached):>13.1f} {common.percentile(uncached, 95):>7.1f} "
                f"{statistics.median(cached):>11.1f} {common.percentile(cached, 95):>7.1f} "
                f"{statistics.median(cpu):>17.1f}"
            )
            if args.costs:
                url = f"{path}?q={term}"
                invalidate()
                queries = common.count_queries(lambda url=url: get(url))[0]
                invalidate()
                calls = common.count_redis_calls(lambda url=url: get(url))
                kept_queries = common.count_queries(lambda url=url: get(url))[0]
                kept_calls = common.count_redis_calls(lambda url=url: get(url))
                print(
                    f"{'':16} {'':22} queries {queries} uncached, {kept_queries} cached; "
                    f"Redis round trips {calls} uncached, {kept_calls} cached"
                )
    print(f"load average after: {os.getloadavg()[0]:.1f}")
    if profiler:
        profiler.dump_stats(args.profile)
        pstats.Stats(args.profile).sort_stats("cumulative").print_stats(45)


if __name__ == "__main__":
    main()
