"""The registry's counts (initiatives.RegistryCount) equal a count from scratch after any sequence
of changes, and the statistics, map, country and sector pages show them without counting the
initiatives."""

import random
from collections import Counter
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, transaction
from django.db.models import Count, Q
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import override

from iapt_platform.lib import subdivisions
from initiatives import counts, services, stats
from initiatives.models import Initiative, Programme, RegistryCount, SearchListing, Sector
from tests.addresses import address
from tests.factories import InitiativeFactory, ProgrammeFactory, SectorFactory, UserFactory

pytestmark = pytest.mark.django_db

PLACES = {"EC": ["EC-P", "EC-G", ""], "PE": ["PE-LIM", ""], "CO": ["CO-ANT", "CO-DC", ""]}
POINTS = {"EC": ("-0.2", "-78.5"), "PE": ("-12.05", "-77.04"), "CO": ("4.6", "-74.08")}


def from_scratch() -> Counter:
    """What the table must hold, counted from the initiatives themselves."""
    expected: Counter = Counter()
    for i in Initiative.objects.published().prefetch_related("sectors"):
        located = i.latitude is not None and i.longitude is not None
        decade = "" if i.year_founded is None else str(i.year_founded // 10 * 10)
        expected.update(
            [
                ("located", i.country.code, "1" if located else "0"),
                ("subdivision", i.country.code, i.subdivision),
                ("kind", i.country.code, i.kind),
                ("stage", i.country.code, i.stage),
                ("decade", i.country.code, decade),
            ]
            + ([("programme", i.country.code, str(i.programme_id))] if i.programme_id else [])
            + ([("digital", i.country.code, "1")] if i.digital_focus else [])
            + [("sector", i.country.code, str(s.pk)) for s in i.sectors.all()]
        )
    return expected


def table() -> Counter:
    return Counter(
        {(r.dimension, r.country, r.value): r.n for r in RegistryCount.objects.exclude(n=0)}
    )


def reference_pages() -> dict:
    """The pages' numbers as they were computed before the table: grouped counts of the
    initiatives."""
    published = Initiative.objects.published()
    names = stats.country_names()
    by_country = sorted(
        published.order_by().values("country").annotate(n=Count("pk")).values_list("country", "n"),
        key=lambda row: (-row[1], names.get(row[0], row[0])),
    )
    sectors = Sector.objects.annotate(
        n=Count("initiatives", filter=Q(initiatives__status="published"))
    ).order_by("-n", "order", "name")
    pages = {
        "total": published.count(),
        "located": published.filter(latitude__isnull=False, longitude__isnull=False).count(),
        "countries": by_country,
        "sectors": [(s.slug, s.n) for s in sectors],
        "kinds": dict(
            published.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n")
        ),
    }
    for code in PLACES:
        here = Q(initiatives__status="published", initiatives__country=code)
        pages[code] = {
            "sectors": [
                (s.slug, s.n)
                for s in Sector.objects.annotate(n=Count("initiatives", filter=here)).order_by(
                    "-n", "order", "name"
                )
                if s.n
            ],
            "programmes": [
                (p.slug, p.n)
                for p in Programme.objects.filter(Q(country=code) | here)
                .annotate(n=Count("initiatives", filter=here, distinct=True))
                .distinct()
                .order_by("-n", "name")
            ],
            "subdivisions": sorted(
                published.filter(country=code)
                .exclude(subdivision="")
                .order_by()
                .values("subdivision")
                .annotate(n=Count("pk"))
                .values_list("subdivision", "n"),
                key=lambda row: (-row[1], subdivisions.name(row[0])),
            ),
        }
    for sector in Sector.objects.all():
        pages[sector.slug] = sorted(
            published.filter(sectors=sector)
            .order_by()
            .values("country")
            .annotate(n=Count("pk"))
            .values_list("country", "n"),
            key=lambda row: (-row[1], names.get(row[0], row[0])),
        )
    return pages


def shown_pages() -> dict:
    """The same numbers as the pages' selectors give them now."""
    cache.clear()
    numbers = stats.registry_statistics()
    breakdowns = {b.key: b for b in numbers.breakdowns}
    everything = stats.tally()
    pages = {
        "total": numbers.total,
        "located": numbers.located,
        "countries": list(
            zip(
                breakdowns["country"].values,
                [n for _l, n in breakdowns["country"].rows],
                strict=True,
            )
        ),
        "sectors": list(
            zip(
                breakdowns["sector"].values, [n for _l, n in breakdowns["sector"].rows], strict=True
            )
        ),
        "kinds": {
            value: n
            for value, (_label, n) in zip(
                breakdowns["kind"].values, breakdowns["kind"].rows, strict=True
            )
            if n
        },
    }
    assert stats.summary(stats.tally(dimension="located")) == {
        "total": numbers.total,
        "located": numbers.located,
    }
    assert stats.summary(everything)["total"] == numbers.total
    for code in PLACES:
        here = stats.tally(country=code)
        pages[code] = {
            "sectors": [(s.slug, n) for s, n in stats.counts_by_sector(here) if n],
            "programmes": [(p.slug, p.n) for p in stats.programmes_of_country(code, here)],
            "subdivisions": stats.counts_by_subdivision(here),
        }
    for sector in Sector.objects.all():
        pages[sector.slug] = stats.counts_by_country_of_sector(sector)
    return pages


@pytest.fixture
def vocabulary(db):
    sectors = [
        SectorFactory(slug=slug, name_es=es, name_en=en, name_pt_br=pt, order=order)
        for slug, es, en, pt, order in (
            ("cocoa", "Cacao", "Cocoa", "Cacau", 1),
            ("coffee", "Café", "Coffee", "Café", 1),
            ("tourism", "Turismo", "Tourism", "Turismo", 2),
            ("software", "Software", "Software", "Software", 0),
        )
    ]
    programmes = [
        ProgrammeFactory(slug="andes", name="Andes", country="EC"),
        ProgrammeFactory(slug="pacifico", name="Pacífico", country="CO"),
        ProgrammeFactory(slug="sur", name="Sur", country=""),
    ]
    return sectors, programmes


def random_fields(rng: random.Random, programmes) -> dict:
    country = rng.choice(sorted(PLACES))
    located = rng.random() < 0.6
    return {
        "country": country,
        "subdivision": rng.choice(PLACES[country]),
        "kind": rng.choice(Initiative.Kind.values),
        "stage": rng.choice(["", *Initiative.Stage.values]),
        "year_founded": rng.choice([None, 1987, 1999, 2004, 2015, 2021]),
        "latitude": POINTS[country][0] if located else None,
        "longitude": POINTS[country][1] if located else None,
        "programme": rng.choice([None, *programmes]),
        "digital_focus": rng.random() < 0.3,
    }


def random_change(rng: random.Random, sectors, programmes) -> str:
    """One change of the kinds the registry sees, through the ORM as the services and the admin
    make them."""
    initiatives = list(Initiative.objects.filter(revision_of=None).order_by("pk"))
    action = rng.choice(
        [
            "create",
            "create",
            "publish",
            "unpublish",
            "move",
            "edit",
            "sectors",
            "sectors",
            "sector_side",
            "delete",
            "revision",
            "delete_programme",
        ]
    )
    if action == "create" or not initiatives:
        fields = random_fields(rng, programmes)
        fields["status"] = rng.choice(["draft", "published", "in_review"])
        InitiativeFactory(sectors=rng.sample(sectors, rng.randint(0, 3)), **fields)
        return "create"
    initiative = rng.choice(initiatives)
    if action == "publish":
        initiative.status = "published"
        initiative.save()
    elif action == "unpublish":
        initiative.status = rng.choice(["draft", "rejected", "changes_requested"])
        initiative.save()
    elif action in ("move", "edit"):
        for name, value in random_fields(rng, programmes).items():
            if action == "edit" or name in ("country", "subdivision", "latitude", "longitude"):
                setattr(initiative, name, value)
        initiative.save()
    elif action == "sectors":
        how = rng.choice(["set", "add", "remove", "clear"])
        chosen = rng.sample(sectors, rng.randint(1, 3))
        if how == "set":
            initiative.sectors.set(chosen)
        elif how == "add":
            initiative.sectors.add(*chosen)
        elif how == "remove":
            initiative.sectors.remove(*chosen)
        else:
            initiative.sectors.clear()
    elif action == "sector_side":
        sector = rng.choice(sectors)
        how = rng.choice(["add", "remove", "clear"])
        if how == "add":
            sector.initiatives.add(initiative)
        elif how == "remove":
            sector.initiatives.remove(initiative)
        else:
            sector.initiatives.clear()
    elif action == "delete":
        initiative.delete()
    elif action == "revision":  # an edit under review is a row of its own, never counted
        InitiativeFactory(
            revision_of=initiative, status="in_review", country=initiative.country.code
        )
    elif action == "delete_programme":
        live = [p for p in programmes if Programme.objects.filter(pk=p.pk).exists()]
        if live:
            live[0].delete()
            programmes.remove(live[0])
    return action


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_counts_equal_a_count_from_scratch_after_any_sequence_of_changes(
    vocabulary, seed, django_capture_on_commit_callbacks
):
    sectors, programmes = vocabulary
    programmes = list(programmes)
    rng = random.Random(seed)
    done = []
    for _step in range(60):
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            done.append(random_change(rng, sectors, programmes))
        assert table() == from_scratch(), done
    assert Initiative.objects.published().exists()
    assert shown_pages() == reference_pages()
    # The sweep finds nothing to put right, and puts right what went around the signals.
    assert counts.rebuild() == 0
    Initiative.objects.filter(status="published").update(kind="park", year_founded=1950)
    services.search_listings_rebuild()
    assert table() == from_scratch()
    assert shown_pages() == reference_pages()


def test_a_rolled_back_change_leaves_the_counts_as_they_were(vocabulary):
    sectors, _programmes = vocabulary
    InitiativeFactory(country="EC", sectors=[sectors[0]])
    before = table()
    with pytest.raises(RuntimeError), transaction.atomic():
        InitiativeFactory(country="PE", sectors=sectors[:2])
        assert table()[("located", "PE", "0")] == 1  # counted inside the transaction already
        raise RuntimeError
    assert table() == before == from_scratch()


def test_the_migration_s_fill_and_the_rebuild_agree(vocabulary):
    sectors, programmes = vocabulary
    InitiativeFactory(
        country="CO", subdivision="CO-ANT", sectors=sectors[1:], programme=programmes[1]
    )
    InitiativeFactory(country="EC", year_founded=1999, latitude="-0.2", longitude="-78.5")
    RegistryCount.objects.all().delete()
    assert counts.rebuild() == len(from_scratch())
    assert table() == from_scratch()
    assert SearchListing.objects.filter(located=True, year_founded=1999).count() == 1


COUNTED_PAGES = [
    ("initiatives:statistics", ()),
    ("initiatives:map", ()),
    ("initiatives:country", ("EC",)),
    ("initiatives:sector", ("cocoa",)),
]


def test_the_count_pages_read_no_initiatives_to_count_them(vocabulary):
    sectors, programmes = vocabulary
    for n in range(30):
        InitiativeFactory(
            country="EC",
            sectors=sectors[: 1 + n % 3],
            programme=programmes[n % 3],
            year_founded=1990 + n,
        )
    client = Client()
    for name, args in COUNTED_PAGES:
        cache.clear()
        with CaptureQueriesContext(connection) as queries:
            assert client.get(address(name, args or None, language="en")).status_code == 200
        counting = [
            q["sql"]
            for q in queries.captured_queries
            if "initiatives_initiative" in q["sql"]
            and ("COUNT(" in q["sql"].upper() or "GROUP BY" in q["sql"].upper())
        ]
        assert counting == [], name


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_the_pages_show_a_change_at_the_next_request_to_visitors_and_members(
    vocabulary, language, django_capture_on_commit_callbacks
):
    sectors, _programmes = vocabulary
    cocoa = sectors[0]
    moving = InitiativeFactory(country="EC", sectors=[cocoa], kind="park")
    InitiativeFactory(country="EC", sectors=[cocoa])
    signed_in = Client()
    signed_in.force_login(UserFactory(language=language))
    with override(language):
        peru = str(stats.country_names()["PE"])
        cocoa_name = str(Sector.objects.get(pk=cocoa.pk).name)

    def page(client, name, *args):
        response = client.get(address(name, args or None, language=language))
        assert response.status_code == 200
        return response.content.decode()

    for client in (Client(), signed_in):
        assert peru not in page(client, "initiatives:statistics")
        assert peru not in page(client, "initiatives:sector", "cocoa")
        assert cocoa_name not in page(client, "initiatives:country", "PE")
        assert cocoa_name in page(client, "initiatives:country", "EC")
    with django_capture_on_commit_callbacks(execute=True):
        moving.country = "PE"
        moving.save()
    for client in (Client(), signed_in):
        assert peru in page(client, "initiatives:statistics")
        assert peru in page(client, "initiatives:sector", "cocoa")
        assert cocoa_name in page(client, "initiatives:country", "PE")
    with django_capture_on_commit_callbacks(execute=True):
        moving.delete()
    for client in (Client(), signed_in):
        assert peru not in page(client, "initiatives:statistics")
        assert peru not in page(client, "initiatives:sector", "cocoa")
        assert cocoa_name not in page(client, "initiatives:country", "PE")


def test_the_search_rebuild_command_counts_everything_again(vocabulary):
    sectors, _programmes = vocabulary
    InitiativeFactory(country="PE", sectors=sectors[:2], year_founded=2004)
    InitiativeFactory(country="EC", sectors=[])
    Initiative.objects.filter(country="PE").update(country="CO")  # around the signals
    RegistryCount.objects.filter(dimension="kind").delete()
    assert table() != from_scratch()

    call_command("search_rebuild", kind=["initiatives"], stdout=StringIO())

    assert table() == from_scratch()
