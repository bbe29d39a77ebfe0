"""The social tags, canonical links and JSON-LD cost no query: each public page asks the database
as often as it did before they were added (the counts were measured on the code without them)."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from iapt_platform.lib import counters
from tests.quality.test_access_matrix import objects  # noqa: F401 (the fixture: one of each)

from .pages import PUBLIC_PAGES

pytestmark = pytest.mark.django_db

BEFORE = {
    "home": 10,  # 9, and the opportunities closing first (one query, a section of their own)
    # Its counts from the registry's counts (no filter), on SQLite as on PostgreSQL.
    "initiatives:list": 6,
    "initiatives:map": 4,
    "initiatives:statistics": 2,  # its counts from the precomputed registry counts
    "initiatives:country": 5,
    # Its page's 24 ids by name from the sector listing's index, then those initiatives (was
    # one query sorting every initiative of the sector): 4 -> 5.
    "initiatives:sector": 5,
    "initiatives:programme": 4,  # a page of 24 initiatives, and their count for the pager
    # With the cache emptied: its related list and the sets of initiatives that have stories,
    # resources, offers or projects are computed, then kept: a miss with them kept asks
    # 1 to 3 (tests/initiatives/test_page_miss.py). Its sectors' ids are read with its row, the
    # sectors from their kept map; the related list with its sectors' ids in one query (was 12).
    "initiatives:detail": 11,
    "stories:list": 5,
    # Its pictures, interview blocks and initiatives asked only when its own query found some,
    # its related stories in one query (was 7).
    "stories:detail": 4,
    "opportunities:list": 6,
    "opportunities:detail": 4,
    # Its counts without filters from the kept facet counts (was 14); its cards read their
    # topics and languages, not their countries (was 8).
    "library:index": 7,
    "library:evidence_map": 3,
    "library:collections": 1,
    "library:collection": 4,
    # 6 where readings are counted in Redis (no UPDATE per reading). With the cache emptied, the
    # set of resources linked to initiatives, projects or collections is computed, then kept.
    # Its languages and countries are read in its own query (was 9).
    "library:detail": 7,
    "meetings:calendar": 2,
    "meetings:detail": 5,
    "community:index": 0,
    "community:category": 8,
    # Rendered (the page kept whole for members answers with 4): the thread's row (kept under
    # its versions) and the reader's watch and marks (one query) apart; the posts' attachments
    # in one query, their edit histories only when one of them was edited (was 9).
    "community:thread": 8,
    "matchmaking:list": 6,
    "matchmaking:projects": 5,
    "matchmaking:post": 3,
    "matchmaking:project": 6,
    "newsletter:index": 2,
    "newsletter:archive": 1,
    # Its hreflang links name only the languages it has, from the editions it reads anyway.
    "newsletter:issue": 3,
}
# On PostgreSQL the same: the directory and the library read their unfiltered counts.
ON_POSTGRES: dict[str, int] = {}


def test_public_pages_ask_the_database_as_often_as_before(objects, member):  # noqa: F811
    counts = {}
    for page in PUBLIC_PAGES:
        client = Client()
        if page.persona == "member":
            client.force_login(member)
        client.get(page.url(objects))  # warm the per-process caches (sites, content types)
        cache.clear()  # the visitors' page cache: measure a page rendered
        with CaptureQueriesContext(connection) as queries:
            response = client.get(page.url(objects))
        assert response.status_code == 200, page.name
        counts[page.name] = len(queries)
    expected = {**BEFORE, **ON_POSTGRES} if connection.vendor == "postgresql" else dict(BEFORE)
    if counters._redis() is not None:  # readings counted in Redis
        expected["library:detail"] = 6
    assert counts == expected
