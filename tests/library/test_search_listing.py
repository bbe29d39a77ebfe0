"""The library's search listing (one narrow row per published resource, what a search and its
facets read) follows every edit, and the facet counts match counting on the resources."""

import pytest
from django.http import QueryDict

from library import selectors, services, tasks
from library.filters import FACETS, ResourceFilterForm, apply_filters, cleaned_params
from library.models import (
    Evidence,
    Resource,
    ResourceCountry,
    ResourceLanguage,
    SearchListing,
    Topic,
)
from tests.library.factories import ResourceFactory

pytestmark = pytest.mark.django_db


def listing() -> dict[int, tuple]:
    return {r.resource_id: (r.type, r.year) for r in SearchListing.objects.all()}


def expected() -> dict[int, tuple]:
    return {r.pk: (r.type, r.year) for r in Resource.objects.published()}


def facet_columns(resource: Resource) -> tuple[str, str, str, str]:
    row = SearchListing.objects.get(resource=resource)
    return row.topics, row.languages, row.countries, row.methods


def made(**kwargs) -> Resource:
    resource = ResourceFactory(**kwargs)
    services.resource_refresh_search(resource=resource)
    return resource


def total(query: str) -> int:
    return selectors._facet_counts(ResourceFilterForm(cleaned_params(QueryDict(query))).active())[
        selectors.TOTAL
    ]


def test_the_listing_follows_create_edit_unpublish_and_delete():
    guide = made(title="Guía de cadenas de valor", type="guide", year=2020)
    made(title="Borrador del cacao", status=Resource.Status.DRAFT)
    assert listing() == expected() == {guide.pk: ("guide", 2020)}
    assert total("q=cadenas") == 1

    guide.title = "Informe de turismo"
    guide.type = "report"
    guide.year = 2024
    guide.save()
    services.resource_refresh_search(resource=guide)
    guide.refresh_from_db()  # the search columns were written by an UPDATE
    assert listing() == {guide.pk: ("report", 2024)}
    assert total("q=cadenas") == 0
    assert total("q=turismo&type=report&year=2024") == 1

    # The facet values held in the row follow the related rows.
    topic = Topic.objects.create(slug="t9", name="Nueve")
    guide.topics.add(topic)
    ResourceCountry.objects.create(resource=guide, country="PE")
    Evidence.objects.create(resource=guide, method="rct", direction="positive")
    languages = " ".join(sorted(guide.language_rows.values_list("language", flat=True)))
    assert facet_columns(guide) == (str(topic.pk), languages, "PE", "rct")
    guide.evidence.delete()
    guide.topics.clear()
    assert facet_columns(guide) == ("", languages, "PE", "")

    guide.status = Resource.Status.DRAFT
    guide.save()
    assert listing() == {}
    assert total("q=turismo") == 0

    guide.status = Resource.Status.PUBLISHED
    guide.save()
    assert total("q=turismo") == 1
    guide.delete()
    assert listing() == {}


def test_the_sweep_rebuilds_a_listing_written_around_the_signals():
    kept = made(title="Guía del mate", year=2010)
    changed = made(title="Guía del vino", year=2011)
    hidden = made(title="Guía oculta", year=2012)
    Resource.objects.filter(pk=changed.pk).update(year=2015)
    Resource.objects.filter(pk=hidden.pk).update(status=Resource.Status.DRAFT)
    SearchListing.objects.filter(resource=kept).delete()

    assert tasks.rebuild_search_listings() == 3  # one restored, one rewritten, one removed
    assert listing() == expected()
    assert services.search_listings_rebuild() == 0


@pytest.mark.parametrize(
    "query",
    [
        "",
        "q=guia",
        "q=guia&type=report",
        "year=2021&country=MX",
        "q=cluster&topic=t1",
        "q=zzzz",
        "method=did&language=es",
        "q=informe&method=rct&type=guide",
    ],
)
def test_the_facet_counts_agree_with_counting_on_the_resources(query):
    """The path before the listing: each facet's set matched on the resources themselves."""
    t0 = Topic.objects.create(slug="t0", name="Cero")
    t1 = Topic.objects.create(slug="t1", name="Uno")
    for n in range(12):
        resource = made(
            title=f"Guía de clústeres {n}" if n % 2 else f"Informe de clústeres {n}",
            type=("guide", "report", "case_study")[n % 3],
            year=2020 + n % 3,
            topics=[(t0, t1)[n % 2]],
        )
        ResourceCountry.objects.create(resource=resource, country=("MX", "CL")[n % 2])
        if n % 3 == 0:
            Evidence.objects.create(
                resource=resource, method=("did", "rct")[n % 2], direction="positive"
            )
    made(title="Guía en borrador", status=Resource.Status.DRAFT)

    active = ResourceFilterForm(cleaned_params(QueryDict(query))).active()
    counts = selectors._facet_counts(active)
    for facet in FACETS:
        others = {k: v for k, v in active.items() if k != facet}
        ids = set(
            apply_filters(Resource.objects.published(), others, rank=False).values_list(
                "pk", flat=True
            )
        )
        # What each facet counted before the listing: rows of the resource or of a related table.
        values = {
            "type": Resource.objects.filter(pk__in=ids).values_list("type", flat=True),
            "year": Resource.objects.filter(pk__in=ids).values_list("year", flat=True),
            "topic": Resource.topics.through.objects.filter(resource_id__in=ids).values_list(
                "topic_id", flat=True
            ),
            "language": ResourceLanguage.objects.filter(resource_id__in=ids).values_list(
                "language", flat=True
            ),
            "country": ResourceCountry.objects.filter(resource_id__in=ids).values_list(
                "country", flat=True
            ),
            "method": Evidence.objects.filter(resource_id__in=ids).values_list("method", flat=True),
        }[facet]
        reference: dict[str, int] = {}
        for value in values:
            if value not in (None, ""):
                reference[str(value)] = reference.get(str(value), 0) + 1
        assert counts[facet] == reference, facet
    assert counts[selectors.TOTAL] == len(
        set(apply_filters(Resource.objects.published(), active, rank=False).values_list("pk"))
    )
