"""The registry's pair counts (initiatives.RegistryPairCount: the values of each filterable
dimension among the initiatives of each value of another) equal a count from scratch after any
sequence of changes, and the directory filtered by one or two things (a sector, a country and a
sector, and a type) shows its numbers from them, to visitors and members alike, without counting
the matching initiatives."""

import importlib
import random
from collections import Counter

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from initiatives import counts, services
from initiatives.models import Initiative, RegistryPairCount
from tests.addresses import address
from tests.factories import InitiativeFactory, UserFactory
from tests.initiatives.test_directory_counts import from_scratch as directory_from_scratch
from tests.initiatives.test_registry_counts import random_change, vocabulary  # noqa: F401

pytestmark = pytest.mark.django_db


def from_scratch() -> Counter:
    """Every pair count, counted from the published initiatives themselves."""
    expected: Counter = Counter()
    for i in Initiative.objects.published().prefetch_related("sectors"):
        values = {
            "subdivision": [i.subdivision] if i.subdivision else [],
            "sector": [str(s.pk) for s in i.sectors.all()],
            "kind": [i.kind],
            "stage": [i.stage] if i.stage else [],
            "programme": [str(i.programme_id)] if i.programme_id else [],
            "digital": ["1"] if i.digital_focus else [],
        }
        for given, given_values in values.items():
            for facet, facet_values in values.items():
                if facet == given:
                    continue
                for g in given_values:
                    for v in facet_values:
                        expected[(f"{facet}@{given}", i.country.code, f"{g}:{v}")] += 1
    return expected


def table() -> Counter:
    return Counter(
        {
            (r.dimension, r.country, f"{r.given}:{r.value}"): r.n
            for r in RegistryPairCount.objects.exclude(n=0)
        }
    )


@pytest.mark.parametrize("seed", [1, 2])
def test_the_pair_counts_equal_a_count_from_scratch_after_any_sequence_of_changes(
    vocabulary,  # noqa: F811
    seed,
    django_capture_on_commit_callbacks,
):
    sectors, programmes = vocabulary
    programmes = list(programmes)
    rng = random.Random(seed)
    done = []
    for _ in range(25):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            done.append(random_change(rng, sectors, programmes))
        assert table() == from_scratch(), done
    assert counts.rebuild() == 0


def test_a_rolled_back_change_leaves_the_pair_counts_as_they_were(vocabulary):  # noqa: F811
    sectors, _programmes = vocabulary
    InitiativeFactory(country="EC", kind="cluster", sectors=sectors[:2])
    before = table()
    assert before
    with pytest.raises(RuntimeError), transaction.atomic():
        InitiativeFactory(country="EC", kind="network", sectors=sectors)
        raise RuntimeError
    assert table() == before == from_scratch()


def test_the_migration_s_fill_and_the_rebuild_agree(vocabulary):  # noqa: F811
    sectors, programmes = vocabulary
    for n in range(6):
        InitiativeFactory(
            country=("EC", "PE")[n % 2],
            subdivision=("EC-P", "PE-LIM")[n % 2],
            kind=("cluster", "network", "park")[n % 3],
            stage=("", "mature")[n % 2],
            programme=programmes[n % 2] if n % 3 else None,
            digital_focus=n % 2 == 0,
            sectors=sectors[: 1 + n % 3],
        )
    wanted = table()
    RegistryPairCount.objects.all().delete()
    importlib.import_module("initiatives.migrations.0011_registry_pair_counts").fill(apps, None)
    assert table() == wanted == from_scratch()


@pytest.mark.parametrize(
    "query",
    [
        {"sector": ["cocoa"]},
        {"country": ["EC"], "sector": ["cocoa"]},
        {"kind": ["cluster", "network"]},
        {"country": ["EC", "PE"], "stage": ["mature"]},
        {"country": ["EC"], "subdivision": ["EC-P"]},
    ],
)
@pytest.mark.parametrize("signed_in", [False, True])
def test_a_directory_of_one_filter_shows_counts_it_did_not_count(
    vocabulary,  # noqa: F811
    query,
    signed_in,
):
    sectors, programmes = vocabulary
    rng = random.Random(7)
    for n in range(30):
        InitiativeFactory(
            name=f"{'aBcD'[n % 4]}{n:02d}",
            country=rng.choice(["EC", "PE"]),
            subdivision=rng.choice(["", "EC-P"]),
            kind=rng.choice(["cluster", "network", "park"]),
            stage=rng.choice(["", "mature", "emerging"]),
            programme=rng.choice([None, *programmes]),
            digital_focus=rng.random() < 0.3,
            sectors=rng.sample(sectors, rng.randint(1, 3)),
        )
    Initiative.objects.filter(subdivision="EC-P").exclude(country="EC").update(subdivision="")
    services.search_listings_rebuild()  # the update above went around the listing: the sweep
    client = Client()
    if signed_in:
        client.force_login(UserFactory())
    url = (
        address("initiatives:list", language="en")
        + "?"
        + "&".join(f"{facet}={value}" for facet, chosen in query.items() for value in chosen)
    )
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    expected, total, first = directory_from_scratch(query)
    page = response.content.decode()
    assert f"{total} initiatives" in page
    for slug in first:
        assert f"/initiatives/{slug}/" in page
    # Neither the search listing nor the initiatives were counted or grouped.
    read = [
        q["sql"]
        for q in captured.captured_queries
        if "initiatives_searchlisting" in q["sql"]
        or ("COUNT(" in q["sql"].upper() and "initiatives_initiative" in q["sql"])
    ]
    assert read == []
    for facet, found in expected.items():
        for value, n in found.items():
            if facet in ("country", "kind", "stage") and n:
                assert f'value="{value}"' in page
