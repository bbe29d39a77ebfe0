"""The library's kept facet counts (library.FacetCount) equal a count from scratch after any
sequence of changes, and the browsing page without filters shows them without grouping the
library (its cost does not grow with the number of resources)."""

import importlib
import random
from collections import Counter

import pytest
from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.http import QueryDict
from django.test import Client
from django.test.utils import CaptureQueriesContext

from library import counts, selectors
from library.filters import FACETS
from library.models import Evidence, FacetCount, Resource, ResourceCountry, ResourceLanguage, Topic
from tests.library.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def from_scratch() -> Counter:
    """What the table must hold, counted from the published resources themselves."""
    expected: Counter = Counter()
    for r in Resource.objects.published().prefetch_related(
        "topics", "language_rows", "country_rows"
    ):
        expected[("total", "")] += 1
        expected[("type", r.type)] += 1
        if r.year is not None:
            expected[("year", str(r.year))] += 1
        expected.update(("topic", str(t.pk)) for t in r.topics.all())
        expected.update(("language", row.language) for row in r.language_rows.all())
        expected.update(("country", row.country) for row in r.country_rows.all())
        method = Evidence.objects.filter(resource=r).values_list("method", flat=True).first()
        if method:
            expected[("method", method)] += 1
    return expected


def table() -> Counter:
    return Counter({(r.dimension, r.value): r.n for r in FacetCount.objects.exclude(n=0)})


def grouped() -> dict:
    """The unfiltered page's counts as the listing's grouped scan gives them (before the table)."""
    found, total, _past = selectors._grouped_counts(
        list(FACETS), selectors._listing_matching({}), total=True, cap=None
    )
    return {**found, selectors.TOTAL: total}


def shown() -> dict:
    counts = selectors._facet_counts({})
    return {**{f: counts[f] for f in FACETS}, selectors.TOTAL: counts[selectors.TOTAL]}


@pytest.fixture
def topics():
    return [Topic.objects.create(slug=f"t{n}", name=f"Tema {n}") for n in range(3)]


def random_change(rng: random.Random, topics: list) -> str:
    resources = list(Resource.objects.order_by("pk"))
    action = rng.choice(
        [
            "create",
            "create",
            "edit",
            "topics",
            "language",
            "country",
            "evidence",
            "status",
            "delete",
        ]
    )
    if action == "create" or not resources:
        ResourceFactory(
            type=rng.choice(["guide", "report", "impact_evaluation"]),
            year=rng.choice([None, 2019, 2020]),
            topics=rng.sample(topics, rng.randint(0, 2)),
            countries=rng.sample(["MX", "CL", "BR"], rng.randint(0, 2)),
            status=rng.choice([Resource.Status.PUBLISHED, Resource.Status.DRAFT]),
        )
        return "create"
    resource = rng.choice(resources)
    if action == "edit":
        resource.type = rng.choice(["guide", "report"])
        resource.year = rng.choice([None, 2018, 2020])
        resource.save()
    elif action == "topics":
        resource.topics.set(rng.sample(topics, rng.randint(0, 3)))
    elif action == "language":
        row = resource.language_rows.first()
        if row and rng.random() < 0.5:
            row.delete()
        else:
            ResourceLanguage.objects.get_or_create(
                resource=resource, language=rng.choice(["es", "en", "pt"])
            )
    elif action == "country":
        row = resource.country_rows.first()
        if row and rng.random() < 0.5:
            row.delete()
        else:
            ResourceCountry.objects.get_or_create(
                resource=resource, country=rng.choice(["MX", "CL", "PE"])
            )
    elif action == "evidence":
        evidence = Evidence.objects.filter(resource=resource).first()
        if evidence:
            evidence.delete()
        else:
            Evidence.objects.create(
                resource=resource, method=rng.choice(["did", "rct"]), direction="positive"
            )
    elif action == "status":
        published = resource.status == Resource.Status.PUBLISHED
        resource.status = Resource.Status.DRAFT if published else Resource.Status.PUBLISHED
        resource.save()
    else:
        resource.delete()
    return f"{action} {resource.pk}"


@pytest.mark.parametrize("seed", [1, 2])
def test_the_counts_equal_a_count_from_scratch_after_any_sequence_of_changes(topics, seed):
    rng = random.Random(seed)
    done = []
    for _ in range(30):
        with transaction.atomic():
            done.append(random_change(rng, topics))
        assert table() == from_scratch(), done
        assert shown() == grouped(), done
    assert counts.rebuild() == 0


def test_a_rolled_back_change_leaves_the_counts_as_they_were(topics):
    ResourceFactory(type="guide", topics=topics[:1])
    before = table()
    with pytest.raises(RuntimeError), transaction.atomic():
        ResourceFactory(type="report", topics=topics)
        raise RuntimeError
    assert table() == before == from_scratch()


def test_the_migration_s_fill_and_the_rebuild_agree(topics):
    for n in range(5):
        ResourceFactory(type=("guide", "report")[n % 2], topics=topics[: n % 3], countries=["MX"])
    Evidence.objects.create(resource=Resource.objects.first(), method="did", direction="positive")
    wanted = table()
    FacetCount.objects.all().delete()
    importlib.import_module("library.migrations.0010_facet_counts").fill(apps, None)
    assert table() == wanted == from_scratch()


def test_the_library_page_counts_nothing_without_filters(topics):
    for n in range(4):
        ResourceFactory(
            title=f"Guía {n}", type=("guide", "report")[n % 2], topics=topics[:2], countries=["MX"]
        )
    ResourceFactory(title="Borrador", status=Resource.Status.DRAFT, topics=topics)
    cache.clear()
    with CaptureQueriesContext(connection) as captured:
        response = Client().get("/en/library/")
    assert response.status_code == 200
    # The facets and the count, as the grouped scan gave them, with no read of the listing.
    page = response.content.decode()
    assert "4 resources" in page or ">4<" in page
    read = [q["sql"] for q in captured.captured_queries if "library_searchlisting" in q["sql"]]
    assert read == []
    browse = selectors.resource_browse(QueryDict(), page_number=None)
    assert browse.page.paginator.count == 4
    options = {o.value: o.count for o in browse.facets["topic"]}
    assert options == {"t0": 4, "t1": 4}
