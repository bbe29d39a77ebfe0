"""The registry's pages read as many rows with many initiatives as with few: a sector's page, the
map's list, the directory filtered by a country, or by a country and a sector, are answered from
indexes in their order and from the registry's counts, never by reading (and sorting, grouping)
every initiative of the sector, the country or the registry. At 100,000 initiatives a page that
reads every row of a sector or a country costs 50-300 ms the first time it is asked (bench/flat.py,
emptied); the mixed load asks many such addresses (bench/load.py).

Measured on PostgreSQL's own account of each query of the page (EXPLAIN ANALYZE: the rows each
scan of the registry's tables read, kept or filtered out), with the tables analyzed as on a live
site, so that the plan shows whether an index can answer at all whatever the size of the test's tables (sequential scans and whole sorts priced out, as in
test_plans.py, and joins that read both sides whole)."""

import json
import os

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from initiatives import selectors
from initiatives import services as registry_services
from initiatives.models import Initiative
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = pytest.mark.django_db

REGISTRY_TABLES = {
    "initiatives_initiative",
    "initiatives_initiative_sectors",
    "initiatives_searchlisting",
    "initiatives_sectorlisting",
}


def rows_read(plan: dict) -> int:
    """Rows the scans of the registry's tables read in this plan (returned or filtered out)."""
    total = 0
    if plan.get("Relation Name") in REGISTRY_TABLES:
        loops = plan.get("Actual Loops", 1)
        read = (
            plan.get("Actual Rows", 0)
            + plan.get("Rows Removed by Filter", 0)
            + plan.get("Rows Removed by Index Recheck", 0)
        )
        total += read * loops
    for child in plan.get("Plans", []):
        total += rows_read(child)
    return total


def page_rows(client: Client, url: str) -> int:
    """The rows read by every query of the page, asked with nothing kept."""
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    total = 0
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_sort = off")
        # A hash or merge join reads both sides whole: on a large table, the plan that reads
        # every row; a page's few rows are found by probing an index (a nested loop).
        cursor.execute("SET LOCAL enable_hashjoin = off")
        cursor.execute("SET LOCAL enable_mergejoin = off")
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT"):
                continue
            # The captured text has its parameters written in: explained as it ran.
            cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql)
            answer = cursor.fetchone()[0]
            (plan,) = json.loads(answer) if isinstance(answer, str) else answer
            total += rows_read(plan["Plan"])
    return total


def add(n: int, *, country: str, sectors: list, start: int) -> None:
    """n published initiatives, inserted in bulk as an import does (names of both cases, in
    no order), then the derived listings and counts rebuilt as the daily sweep does."""
    made = Initiative.objects.bulk_create(
        InitiativeFactory.build(
            slug=f"bulk-{start + i}",
            name=f"{'aBcD'[i % 4]}{(i * 7919) % 1000:03d} {country}",
            country=country,
            kind=("cluster", "network")[i % 2],
            digital_focus=i % 3 == 0,
        )
        for i in range(n)
    )
    through = Initiative.sectors.through
    through.objects.bulk_create(
        through(initiative_id=initiative.pk, sector_id=sector.pk)
        for initiative in made
        for sector in sectors
    )
    registry_services.sector_listings_rebuild()
    registry_services.search_listings_rebuild()
    selectors.registry_changed()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE " + ", ".join(sorted(REGISTRY_TABLES)))


@pytest.fixture
def postgres():
    if connection.vendor != "postgresql":
        assert not os.environ.get("CI"), "CI must run this test on PostgreSQL (DATABASE_URL)."
        pytest.skip("Query plans are PostgreSQL's: set DATABASE_URL (CI sets it).")


def test_the_registry_s_pages_read_no_more_rows_when_the_registry_grows(postgres):
    cocoa, coffee = SectorFactory(slug="cocoa"), SectorFactory(slug="coffee")
    add(40, country="EC", sectors=[cocoa], start=0)
    add(40, country="PE", sectors=[coffee], start=100)
    pages = {
        # (address, rows it may read more once its lists are full: the map lists 200)
        "sector": (address("initiatives:sector", ["cocoa"], language="en"), 0),
        "map": (address("initiatives:map", language="en"), 200),
        "map of a country": (address("initiatives:map", language="en") + "?country=EC", 200),
        "directory of a country": (
            address("initiatives:list", language="en") + "?country=EC",
            0,
        ),
        "directory of a country and a sector": (
            address("initiatives:list", language="en") + "?country=EC&sector=cocoa",
            0,
        ),
        # Facets and totals from the pair counts: no count of the sector's initiatives (its page
        # walks the name index to its first 24).
        "directory of a sector": (address("initiatives:list", language="en") + "?sector=cocoa", 0),
        "directory of a country, a sector and a type": (
            address("initiatives:list", language="en") + "?country=EC&sector=cocoa&kind=cluster",
            0,
        ),
    }
    visitor = Client()
    few = {label: page_rows(visitor, url) for label, (url, _more) in pages.items()}

    # The sector grows, the country grows (their pages show 24 of them, the map 200), and the
    # registry around them; the initiatives of both stay 40.
    add(300, country="PE", sectors=[cocoa], start=1000)
    add(300, country="EC", sectors=[coffee], start=2000)
    add(300, country="PE", sectors=[coffee], start=3000)
    many = {label: page_rows(visitor, url) for label, (url, _more) in pages.items()}

    grew = {
        label: (few[label], many[label])
        for label, (_url, more) in pages.items()
        if many[label] > few[label] + more + 10
    }
    assert grew == {}
