"""An initiative's page and the home page at N published initiatives, on PostgreSQL and Redis.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/iapt_bench_1k \\
        .venv/bin/python bench/initiative_page.py --rows 1000
    .venv/bin/python bench/initiative_page.py --rows 100000

Seeds with bench/registry.py's seeder (skipped when the database already holds N published
initiatives), then measures in-process with django.test.Client, each page in windows alternating
with the trivial view (the same middleware), for visitors and for a signed-in member. Run it at two
sizes: a page whose ratio to the trivial view falls from 1,000 to 100,000 initiatives costs more
as the registry grows. Prints a Markdown table (bench/RESULTS.md keeps the figures by hand).
"""

from __future__ import annotations

import argparse
import os

from common import (
    configure_environment,
    count_queries,
    create_database_if_missing,
    member_client,
    page_fetcher,
    paired,
    percentile,
    rate,
    setup_django,
)
from registry import DEFAULT_DATABASE_URL, DEFAULT_REDIS_URL, OUT, TRIVIAL, ensure_seeded


def worst_case_initiative():
    """The page of an initiative of three sectors, one the largest: the worst case of "related"
    (the same shape at every size, so that the sizes compare). The initiative and that sector,
    annotated with its number of initiatives (`n`)."""
    from django.db.models import Count

    from initiatives.models import Initiative, Sector

    largest = Sector.objects.annotate(n=Count("initiatives")).order_by("-n", "pk").first()
    assert largest is not None
    initiative = (
        Initiative.objects.published()
        .annotate(sector_count=Count("sectors"))
        .filter(sector_count=3, pk__in=largest.initiatives.values("pk"))
        .order_by("pk")
        .first()
    )
    assert initiative is not None
    return initiative, largest


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000, help="published initiatives")
    parser.add_argument("--seconds", type=float, default=3.0, help="measuring window per page")
    args = parser.parse_args()

    configure_environment(database_url=DEFAULT_DATABASE_URL, redis_url=DEFAULT_REDIS_URL)
    create_database_if_missing(os.environ["DATABASE_URL"])
    setup_django(static_root=OUT / "static", migrate=True)
    from django.core.cache import cache
    from django.test import Client

    ensure_seeded(args.rows, reseed=False)
    try:  # the sector listing (related initiatives), where the code has it: the seeder bypasses
        from initiatives.services import sector_listings_rebuild  # the signals that fill it
    except ImportError:
        pass
    else:
        sector_listings_rebuild()
    cache.clear()

    initiative, largest = worst_case_initiative()
    pages = [("home", "/"), ("initiative", f"/initiatives/{initiative.slug}/")]

    visitor = Client()
    member = member_client()
    trivial = page_fetcher(visitor, TRIVIAL)
    lines = [
        f"{args.rows:,} initiatives; initiative page: {initiative.slug} (sector {largest.slug}, "
        f"{largest.n:,} initiatives)",  # type: ignore[attr-defined]
        "",
        "| page | who | req/s | ratio to trivial | p50 ms | p95 ms | queries |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for label, url in pages:
        for who, client in (("visitor", visitor), ("member", member)):
            fetch = page_fetcher(client, url)
            fetch()
            page, base = paired(fetch, trivial, seconds=args.seconds, minimum=10)
            queries = count_queries(fetch)[0]
            lines.append(
                f"| {label} | {who} | {rate(page):,.0f} | {rate(page) / rate(base):.3f} | "
                f"{percentile(page, 50) * 1000:.1f} | {percentile(page, 95) * 1000:.1f} | "
                f"{queries} |"
            )
    print("\n".join(lines))


if __name__ == "__main__":
    main()
