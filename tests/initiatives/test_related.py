"""An initiative's related initiatives and the home page's latest list: right, fresh after each
edit, and as costly at 300 initiatives of a sector as at 20."""

import datetime
import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives import selectors, services, tasks
from initiatives.models import Initiative, SectorListing
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Writes made inside it run their after-commit work (the listing, the cache versions)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def related_names(html: str) -> list[str]:
    section = (
        html.split('id="related"', 1)[1].split("</section>", 1)[0] if 'id="related"' in html else ""
    )
    return re.findall(r"<a [^>]*>([^<]+)</a>", section)


def page(initiative: Initiative, client: Client | None = None) -> str:
    response = (client or Client()).get(reverse("initiatives:detail", args=[initiative.slug]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def sectors():
    return (
        SectorFactory(slug="agrifood"),
        SectorFactory(slug="tourism"),
        SectorFactory(slug="mining"),
    )


def test_related_are_published_of_other_countries_most_sectors_shared_first(sectors, committed):
    agrifood, tourism, mining = sectors
    with committed():
        home = InitiativeFactory(
            name="Clúster del Cacao", country="EC", sectors=[agrifood, tourism]
        )
        InitiativeFactory(name="Zeta Agroturismo", country="PE", sectors=[agrifood, tourism])
        InitiativeFactory(name="Alfa Agro", country="CO", sectors=[agrifood])
        InitiativeFactory(name="Beta Turismo", country="AR", sectors=[tourism])
        InitiativeFactory(name="Aaa Ecuador", country="EC", sectors=[agrifood])  # same country
        InitiativeFactory(name="Aab Borrador", country="PE", sectors=[agrifood], status="draft")
        InitiativeFactory(name="Aac Minería", country="PE", sectors=[mining])  # no shared sector
        original = InitiativeFactory(name="Gamma Original", country="BR", sectors=[agrifood])
        # An edit under review is a row of its own: never shown, even "published" by mistake.
        InitiativeFactory(
            name="Aad Edición", country="BR", sectors=[agrifood], revision_of=original
        )

    expected = ["Zeta Agroturismo", "Alfa Agro", "Beta Turismo", "Gamma Original"]
    assert [i.name for i in selectors.initiative_related(initiative=home)] == expected
    assert related_names(page(home)) == expected
    spanish = Client().get(address("initiatives:detail", args=[home.slug])).content.decode()
    assert related_names(spanish) == expected


def test_page_cost_and_related_list_do_not_grow_with_the_sector(sectors, committed):
    agrifood, _tourism, _mining = sectors
    countries = ["PE", "CO", "AR", "BR", "MX", "CL"]
    with committed():
        home = InitiativeFactory(name="Clúster del Cacao", country="EC", sectors=[agrifood])
        for n in range(20):
            InitiativeFactory(name=f"A{n:03d}", country=countries[n % 6], sectors=[agrifood])

    def measure() -> tuple[int, list[str], int]:
        client = Client()
        client.get(reverse("home"))  # per-process caches (sites, content types)
        page(home, client)
        with CaptureQueriesContext(connection) as detail:
            html = page(home, client)
        with CaptureQueriesContext(connection) as front:
            assert client.get(reverse("home")).status_code == 200
        return len(detail), related_names(html), len(front)

    small = measure()
    with committed():
        for n in range(280):
            InitiativeFactory(name=f"B{n:03d}", country=countries[n % 6], sectors=[agrifood])
    assert SectorListing.objects.filter(sector=agrifood).count() == 301
    large = measure()

    assert small == large
    assert small[1] == ["A000", "A001", "A002", "A003", "A004", "A005"]


def test_an_edit_shows_on_the_next_request_of_the_initiative_and_home_pages(sectors, committed):
    agrifood, tourism, _mining = sectors
    with committed():
        home = InitiativeFactory(name="Clúster del Cacao", country="EC", sectors=[agrifood])
        other = InitiativeFactory(name="Red Turística", country="PE", sectors=[agrifood])
    client = Client()
    assert related_names(page(home, client)) == ["Red Turística"]
    client.get(reverse("home"))

    # A new published initiative of the same sector, and a draft that must stay hidden.
    with committed():
        InitiativeFactory(
            name="Agro Andino",
            country="CO",
            sectors=[agrifood],
            published_at=timezone.now() + datetime.timedelta(minutes=1),
        )
        InitiativeFactory(name="Aaa Borrador", country="CO", sectors=[agrifood], status="draft")
    assert related_names(page(home, client)) == ["Agro Andino", "Red Turística"]
    front = client.get(reverse("home")).content.decode()
    assert "Agro Andino" in front
    assert "Aaa Borrador" not in front

    # A sector change takes an initiative out of the list.
    with committed():
        other.sectors.set([tourism])
    assert related_names(page(home, client)) == ["Agro Andino"]

    # So does unpublishing one (moderators' "unpublish"), on both pages.
    with committed():
        agro = Initiative.objects.get(name="Agro Andino")
        services.stale_unpublish(agro, moderator=None, comment="gone")  # type: ignore[arg-type]
    assert related_names(page(home, client)) == []
    assert "Agro Andino" not in client.get(reverse("home")).content.decode()

    # A renamed initiative is listed under its new name.
    with committed():
        other.sectors.set([agrifood])
        other.name = "Red Turística del Sur"
        other.save()
    assert related_names(page(home, client)) == ["Red Turística del Sur"]


def test_the_sweep_rebuilds_a_listing_written_around_the_signals(sectors, committed):
    agrifood, _tourism, _mining = sectors
    with committed():
        home = InitiativeFactory(name="Clúster del Cacao", country="EC", sectors=[agrifood])
        InitiativeFactory(name="Red Turística", country="PE", sectors=[agrifood])
    # A bulk load (the benchmark's seeder, a raw update) bypasses the signals.
    Initiative.objects.filter(name="Red Turística").update(name="Red Renombrada")
    SectorListing.objects.filter(initiative=home).delete()
    # Listed in the transaction that creates it, before any commit (signals.py).
    stray = InitiativeFactory(name="Sin Listado", country="CO", sectors=[agrifood])
    assert SectorListing.objects.filter(initiative=stray).count() == 1

    # One renamed row rewritten (out, in), one restored.
    assert tasks.rebuild_sector_listings() == 3
    assert related_names(page(home)) == ["Red Renombrada", "Sin Listado"]
    assert services.sector_listings_rebuild() == 0
    assert SectorListing.objects.filter(initiative=stray).count() == 1
