"""Facet counts: the one-scan count of the search listing (GROUPING SETS on PostgreSQL) agrees
with counting each facet apart on the initiatives themselves (the path before the listing)."""

from collections.abc import Iterable

import pytest
from django.db import connection
from django.db.models import Count, QuerySet
from django.http import QueryDict

from initiatives import selectors, services
from initiatives.models import Initiative
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry():
    agrifood, logistics = SectorFactory(slug="agrifood"), SectorFactory(slug="logistics")
    andes = ProgrammeFactory(slug="andes")
    rows = [
        ("Clúster del Cacao", "EC", "EC-E", [agrifood], "developing", "cluster", andes, False),
        ("Clúster Logístico", "EC", "EC-G", [logistics], "mature", "cluster", None, True),
        ("Red del Café", "PE", "PE-CUS", [agrifood, logistics], "emerging", "network", andes, True),
        ("Polo Digital", "PE", "", [], "mature", "other", None, True),
        ("Arranjo do Mate", "BR", "BR-RS", [agrifood], "developing", "apl", None, False),
        ("Arranjo do Vinho", "BR", "BR-RS", [agrifood], "mature", "apl", None, False),
    ]
    for name, country, subdivision, sectors, stage, kind, programme, digital in rows:
        initiative = InitiativeFactory(
            name=name,
            country=country,
            subdivision=subdivision,
            sectors=sectors,
            stage=stage,
            kind=kind,
            programme=programme,
            digital_focus=digital,
        )
        services.initiative_refresh_search(initiative=initiative)
    InitiativeFactory(name="Clúster en borrador", country="EC", status="draft", sectors=[agrifood])


def facet_count(facet: str, qs: QuerySet[Initiative]) -> dict[str, int]:
    """One facet counted on the initiatives' own rows (the selector's code before the search
    listing, kept here as the reference)."""
    rows: Iterable[tuple[object, int]]
    if facet == "sector":
        rows = (
            Initiative.sectors.through.objects.filter(initiative_id__in=qs.values("pk"))
            .values("sector_id")
            .annotate(n=Count("initiative_id"))
            .values_list("sector_id", "n")
        )
    elif facet == "programme":
        rows = (
            qs.filter(programme__isnull=False)
            .values("programme_id")
            .annotate(n=Count("id"))
            .values_list("programme_id", "n")
        )
    elif facet == "digital":
        return {"1": qs.filter(digital_focus=True).count()}
    else:
        rows = (
            qs.exclude(**{facet: ""}).values(facet).annotate(n=Count("id")).values_list(facet, "n")
        )
    return {str(k): n for k, n in rows}


def counted_apart(query: str) -> dict[str, dict[str, int]]:
    """Each facet counted by its own query under every other filter (the reference)."""
    filterset = selectors.initiative_filterset(QueryDict(query))
    assert filterset.form.is_valid()
    active = filterset.active_filters()
    counts = {}
    for facet in filterset.facets_for(active):
        qs = Initiative.objects.published()
        for name, value in active.items():
            if name != facet:
                qs = filterset.filters[name].filter(qs, value)
        # One row per initiative when several selected sectors match (as the selector did).
        counts[facet] = facet_count(facet, Initiative.objects.filter(pk__in=qs.values("pk")))
    return counts


@pytest.mark.parametrize(
    "query",
    [
        "",
        "country=EC",
        "q=cafe",
        "sector=agrifood",
        "country=PE&digital=on",
        "stage=mature&kind=cluster",
        "country=BR",
        "country=EC&subdivision=EC-G",
        "subdivision=BR-RS&stage=mature",
        "q=cluster",
        "q=clus&country=EC",
        "q=arranjo&sector=agrifood&programme=andes",
        "sector=agrifood&sector=logistics&kind=network",
        "programme=andes&digital=on",
        "q=qwertyzz",
    ],
)
def test_the_facet_counts_agree_with_counting_each_facet_apart(registry, query):
    filterset = selectors.initiative_filterset(QueryDict(query))
    counts, total, more, uncounted = selectors._facet_counts(filterset)

    assert (more, uncounted) == (False, [])  # small sets: counted exactly, under the cap
    assert counts == counted_apart(query)
    # The number of matches comes with the counts (the grand-total row on PostgreSQL).
    _fs, matches, _invalid = selectors.initiative_filtered(QueryDict(query))
    assert total == matches.count()


def test_the_unfiltered_counts_on_postgresql_come_from_one_query(
    registry, django_assert_num_queries
):
    if connection.vendor != "postgresql":
        pytest.skip("GROUPING SETS runs on PostgreSQL; SQLite counts each facet apart")
    filterset = selectors.initiative_filterset(QueryDict(""))

    with django_assert_num_queries(1):  # every facet, sectors too, in one scan of the listing
        counts, total, _more, _uncounted = selectors._facet_counts(filterset)

    assert total == 6
    assert counts["country"] == {"EC": 2, "PE": 2, "BR": 2}
    assert counts["digital"] == {"1": 3}
    assert counts["programme"] == {str(Initiative.objects.get(name="Red del Café").programme_id): 2}


def test_a_change_to_the_registry_warms_the_unfiltered_directory_once_per_burst(
    registry, django_capture_on_commit_callbacks, monkeypatch, settings
):
    from django.core.cache import cache

    from initiatives import tasks

    queued = []
    monkeypatch.setattr(tasks.warm_directory, "apply_async", lambda **kw: queued.append(kw))
    selectors.directory_warm_pending_clear()
    settings.CELERY_TASK_ALWAYS_EAGER = False  # with a worker (in-process tasks skip warming)

    with django_capture_on_commit_callbacks(execute=True):
        InitiativeFactory(name="Clúster Nuevo", country="UY")
        InitiativeFactory(name="Clúster Otro", country="UY")
    assert queued == [{"countdown": 5}]  # two saves, one warm-up

    tasks.warm_directory()  # what the worker runs five seconds later

    key = selectors._directory_key(QueryDict())
    counts, total, _more, _uncounted = cache.get(f"{key}:facets-capped")
    assert counts["country"]["UY"] == 2
    assert total in (None, 8) and Initiative.objects.published().count() == 8
    assert selectors.directory_warm_due()  # the next change queues a warm-up again


def test_initiatives_alike_in_every_facet_are_each_counted(db):
    """Four rows that share country, type, stage and programme are four, not one combination."""
    andes = ProgrammeFactory(slug="andes")
    for n in range(4):
        InitiativeFactory(
            name=f"Clúster {n}", country="EC", kind="cluster", stage="mature", programme=andes
        )
    for query in ("country=EC", "kind=cluster", "stage=mature", "programme=andes", ""):
        counts, total, _more, _uncounted = selectors._facet_counts(
            selectors.initiative_filterset(QueryDict(query))
        )
        assert counts["country"] == {"EC": 4}, query
        assert counts["programme"] == {str(andes.pk): 4}, query
        assert total in (None, 4), query


def test_a_broker_that_refuses_the_warm_up_does_not_break_the_save(
    django_capture_on_commit_callbacks, monkeypatch, settings
):
    from initiatives import tasks

    def refuse(**kwargs):
        raise ConnectionError("broker away")

    monkeypatch.setattr(tasks.warm_directory, "apply_async", refuse)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    selectors.directory_warm_pending_clear()

    with django_capture_on_commit_callbacks(execute=True):
        InitiativeFactory(name="Clúster Nuevo", country="UY")

    assert Initiative.objects.filter(name="Clúster Nuevo").exists()
    assert selectors.directory_warm_due()  # the next change tries again
