"""The search listing (one narrow row per published initiative, what a search and its facets
read) follows every edit, and the directory answers from it exactly as from the initiatives."""

import pytest
from django.http import QueryDict
from django.test import Client
from django.urls import reverse

from initiatives import selectors, services, tasks
from initiatives.models import Initiative, SearchListing
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

pytestmark = pytest.mark.django_db


def listing() -> dict[int, tuple]:
    return {
        row.initiative_id: (
            row.country,
            row.subdivision,
            row.kind,
            row.stage,
            row.programme_id,
            row.digital_focus,
            row.sectors,
        )
        for row in SearchListing.objects.all()
    }


def expected() -> dict[int, tuple]:
    """What the listing should hold: computed from the initiatives themselves."""
    rows = {}
    for i in Initiative.objects.published().prefetch_related("sectors"):
        sectors = " ".join(str(pk) for pk in sorted(s.pk for s in i.sectors.all()))
        rows[i.pk] = (
            str(i.country),
            i.subdivision,
            i.kind,
            i.stage,
            i.programme_id,
            i.digital_focus,
            sectors,
        )
    return rows


def found(query: str) -> tuple[int, list[str]]:
    directory = selectors.initiative_directory(QueryDict(query), page_number=None)
    return directory.page.paginator.count, [i.name for i in directory.page.object_list]


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_the_listing_follows_create_edit_unpublish_and_delete(committed):
    agrifood, logistics = SectorFactory(slug="agrifood"), SectorFactory(slug="logistics")
    andes = ProgrammeFactory(slug="andes")
    with committed():
        cacao = InitiativeFactory(name="Clúster del Cacao", country="EC", sectors=[agrifood])
        services.initiative_refresh_search(initiative=cacao)
        draft = InitiativeFactory(name="Borrador del Café", status="draft", sectors=[agrifood])
    assert set(listing()) == {cacao.pk}
    assert listing() == expected()
    assert found("q=cacao") == (1, ["Clúster del Cacao"])

    # An edit: new name (the search columns), country, sectors and programme.
    with committed():
        cacao.name = "Red Logística del Pacífico"
        cacao.country = "PE"
        cacao.programme = andes
        cacao.digital_focus = True
        cacao.save()
        cacao.sectors.set([agrifood, logistics])
        services.initiative_refresh_search(initiative=cacao)
    assert listing() == expected()
    assert found("q=cacao") == (0, [])
    assert found("q=logistica&country=PE&sector=logistics&programme=andes&digital=on") == (
        1,
        ["Red Logística del Pacífico"],
    )

    # Published, then unpublished.
    with committed():
        draft.status = Initiative.Status.PUBLISHED
        draft.save()
        services.initiative_refresh_search(initiative=draft)
    assert found("q=cafe") == (1, ["Borrador del Café"])
    with committed():
        draft.status = Initiative.Status.DRAFT
        draft.save()
    assert draft.pk not in listing()
    assert found("q=cafe") == (0, [])

    # A programme deleted: its initiatives lose it by an UPDATE that sends no signal.
    with committed():
        andes.delete()
    assert listing() == expected()
    assert listing()[cacao.pk][4] is None

    # A sector's initiatives changed from the sector's side.
    with committed():
        logistics.initiatives.remove(cacao)
    assert listing()[cacao.pk][6] == str(agrifood.pk)

    with committed():
        cacao.delete()
    assert listing() == {}
    assert found("q=logistica") == (0, [])


def test_the_listing_follows_inside_the_transaction():
    """Without running the after-commit callbacks, a search in the same transaction sees it."""
    initiative = InitiativeFactory(name="Clúster Minero", country="CL")
    services.initiative_refresh_search(initiative=initiative)
    assert found("q=minero") == (1, ["Clúster Minero"])
    assert listing() == expected()


def test_the_sweep_rebuilds_a_listing_written_around_the_signals(committed):
    with committed():
        kept = InitiativeFactory(name="Clúster del Mate", country="AR")
        services.initiative_refresh_search(initiative=kept)
        renamed = InitiativeFactory(name="Clúster del Vino", country="AR")
        services.initiative_refresh_search(initiative=renamed)
        hidden = InitiativeFactory(name="Clúster Oculto", country="AR")
    # A bulk load or a raw UPDATE bypasses the signals.
    Initiative.objects.filter(pk=renamed.pk).update(country="UY")
    Initiative.objects.filter(pk=hidden.pk).update(status=Initiative.Status.DRAFT)
    SearchListing.objects.filter(initiative=kept).delete()

    assert tasks.rebuild_search_listings() == 3  # one restored, one rewritten, one removed
    assert listing() == expected()
    assert services.search_listings_rebuild() == 0
    assert found("q=mate") == (1, ["Clúster del Mate"])


def test_directory_pages_answer_as_before(committed):
    """The page of results and its counts, for visitors, match a count on the initiatives."""
    agrifood = SectorFactory(slug="agrifood")
    with committed():
        for n in range(30):
            initiative = InitiativeFactory(
                name=f"Clúster {n:02d}",
                country=("EC", "PE", "CO")[n % 3],
                sectors=[agrifood],
                digital_focus=n % 4 == 0,
            )
            services.initiative_refresh_search(initiative=initiative)
    response = Client().get(reverse("initiatives:list"), {"q": "cluster", "country": "PE"})
    assert response.status_code == 200
    assert found("q=cluster&country=PE")[0] == 10
    assert found("q=cluster") == (30, [f"Clúster {n:02d}" for n in range(24)])
    filterset = selectors.initiative_filterset(QueryDict("q=cluster&digital=on"))
    counts, total, _more, _uncounted = selectors._facet_counts(filterset)
    assert total == 8
    assert counts["country"] == {"EC": 3, "PE": 3, "CO": 2}
    assert counts["digital"] == {"1": 8}
