"""The directory's numbers and order, filtered by countries, sectors, types, stages, places,
programmes and the digital tick box, equal a count from scratch of the published initiatives after
any sequence of changes: whether a facet is read from the registry's counts (no filter, countries
only, the country facet under one other filter), from the sector listing (a country and a sector)
or counted on the search listing."""

import random

import pytest
from django.db import transaction
from django.http import QueryDict

from initiatives import selectors
from initiatives.models import Initiative, Programme
from tests.initiatives.test_registry_counts import random_change, vocabulary  # noqa: F401

pytestmark = pytest.mark.django_db

FACETS = ("country", "subdivision", "sector", "kind", "stage", "programme", "digital")


def values(initiative: Initiative, facet: str) -> set[str]:
    """The facet's values of an initiative, as the directory's addresses write them."""
    if facet == "country":
        return {initiative.country.code}
    if facet == "sector":
        return {s.slug for s in initiative.sectors.all()}
    if facet == "programme":
        return {initiative.programme.slug} if initiative.programme_id else set()
    if facet == "digital":
        return {"on"} if initiative.digital_focus else set()
    value = getattr(initiative, facet)
    return {value} if value else set()


def from_scratch(query: dict[str, list[str]]) -> tuple[dict, int, list[str]]:
    """(counts shown per facet, the number of matches, the slugs of the first page by name) of
    the published initiatives, counted one by one: each facet under every other filter."""
    published = list(
        Initiative.objects.published().select_related("programme").prefetch_related("sectors")
    )

    def matches(initiative: Initiative, without: str | None = None) -> bool:
        return all(
            values(initiative, facet) & set(chosen)
            for facet, chosen in query.items()
            if facet != without
        )

    shown = ["country", "sector", "kind", "stage", "programme", "digital"]
    if len(query.get("country", [])) == 1 or query.get("subdivision"):
        shown.insert(1, "subdivision")
    counts = {}
    for facet in shown:
        found: dict[str, int] = {}
        for initiative in published:
            if matches(initiative, without=facet):
                for value in values(initiative, facet):
                    found[value] = found.get(value, 0) + 1
        counts[facet] = found
    matching = [i for i in published if matches(i)]
    first = sorted(matching, key=lambda i: (i.name.lower(), i.pk))[: selectors.PAGE_SIZE]
    return counts, len(matching), [i.slug for i in first]


def shown(query: dict[str, list[str]]) -> tuple[dict, int, list[str]]:
    """The same, as the directory gives them (nothing kept)."""
    params = QueryDict(mutable=True)
    for facet, chosen in query.items():
        params.setlist(facet, chosen)
    directory = selectors.initiative_directory(params, page_number=None)
    counts = {
        facet: {option.value: option.count for option in options if option.count}
        for facet, options in directory.facets.items()
    }
    return counts, directory.page.paginator.count, [i.slug for i in directory.page.object_list]


def random_query(rng: random.Random) -> dict[str, list[str]]:
    """A filter combination of the kinds people pick (and the load bench asks): a country, a
    country and a sector, and a type besides; a sector alone; two countries; the tick box."""
    initiatives = list(Initiative.objects.published().select_related("programme"))
    countries = sorted({i.country.code for i in initiatives} | {"CO", "PE"})
    sectors = ["cocoa", "coffee", "tourism", "software"]
    shape = rng.choice(
        [
            {"country"},
            {"country", "sector"},
            {"country", "sector", "kind"},
            {"country", "kind"},
            {"sector"},
            {"kind"},
            {"stage"},
            {"programme"},
            {"digital"},
            {"subdivision"},
            {"country", "subdivision"},
            {"country", "digital"},
            set(),
        ]
    )
    query: dict[str, list[str]] = {}
    if "country" in shape:
        query["country"] = rng.sample(countries, rng.choice([1, 1, 1, 2]))
    if "sector" in shape:
        query["sector"] = rng.sample(sectors, rng.choice([1, 1, 1, 2]))
    if "kind" in shape:
        query["kind"] = rng.sample(Initiative.Kind.values, rng.choice([1, 1, 2]))
    if "stage" in shape:
        query["stage"] = [rng.choice(Initiative.Stage.values)]
    if "programme" in shape:
        slugs = list(Programme.objects.values_list("slug", flat=True))
        if slugs:
            query["programme"] = [rng.choice(slugs)]
    if "digital" in shape:
        query["digital"] = ["on"]
    if "subdivision" in shape:
        query["subdivision"] = [rng.choice(["EC-P", "EC-G", "PE-LIM", "CO-ANT", "CO-DC"])]
    return query


@pytest.mark.parametrize("seed", [1, 2])
def test_the_directory_s_counts_and_order_equal_a_count_from_scratch(
    vocabulary,  # noqa: F811
    seed,
    django_capture_on_commit_callbacks,
):
    sectors, programmes = vocabulary
    programmes = list(programmes)
    rng = random.Random(seed)
    done = []
    for step in range(24):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            done.append(random_change(rng, sectors, programmes))
        if step % 3 == 0:  # names of both cases and digital focus, which random_change leaves
            for initiative in Initiative.objects.filter(revision_of=None).order_by("pk")[::2]:
                initiative.name = rng.choice(["alba", "Boca", "cima", "Duna"]) + f" {initiative.pk}"
                initiative.digital_focus = rng.random() < 0.4
                with django_capture_on_commit_callbacks(execute=True):
                    initiative.save()
        for _ in range(5):
            query = random_query(rng)
            assert shown(query) == from_scratch(query), (query, done)
