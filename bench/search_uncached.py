"""Uncached searches of the registry and the library at scale: the selectors the pages call.

    .venv/bin/python bench/search_uncached.py [--calls 20]

On the scale database of bench/scale.py (100,000 initiatives, 50,000 resources), each call first
invalidates the cache as a change to the registry or the library does (its version), then runs
the selector a directory or library page runs: the count, the facets and the page of results
(`initiative_directory`, `resource_browse`). Prints the median and the 95th percentile per term
(common, rare, zero-hit), and the load average: on a shared machine, compare runs made back to
back (for example this tree against another checkout on the same database).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import common

TERMS = [("common", "cluster"), ("rare", "xilofono"), ("zero-hit", "qwertyzz")]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=20, help="uncached calls per term")
    args = parser.parse_args()
    common.configure_environment(
        database_url="postgres://postgres@127.0.0.1:5432/iapt_scale",
        redis_url="redis://127.0.0.1:6379/2",
    )
    sys.path.insert(0, str(common.ROOT))
    import django

    django.setup()
    from django.http import QueryDict

    from initiatives.selectors import initiative_directory, registry_changed
    from library.selectors import library_changed, resource_browse

    def registry(query: str) -> int:
        registry_changed()
        directory = initiative_directory(QueryDict(query), page_number=None)
        list(directory.page.object_list)
        directory.facets  # noqa: B018 (reading them counts them)
        return directory.page.paginator.count

    def library(query: str) -> int:
        library_changed()
        browse = resource_browse(QueryDict(query), page_number=None)
        list(browse.page.object_list)
        return browse.page.paginator.count

    print(f"load average before: {os.getloadavg()[0]:.1f}")
    print(f"{'selector':10} {'term':22} {'matches':>8} {'median ms':>10} {'p95 ms':>8}")
    for name, call in (("registry", registry), ("library", library)):
        for kind, term in TERMS:
            found = call(f"q={term}")
            latencies = []
            for _ in range(args.calls):
                t0 = time.perf_counter()
                call(f"q={term}")
                latencies.append((time.perf_counter() - t0) * 1000)
            print(
                f"{name:10} {kind + ' q=' + term:22} {found:>8,} "
                f"{statistics.median(latencies):>10.1f} {common.percentile(latencies, 95):>8.1f}"
            )
    print(f"load average after: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
