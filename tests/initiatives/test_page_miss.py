"""The cost of an initiative's page that is not kept (a miss: the load bench's initiative pages are
picked among 100,000), and the freshness of the parts it reads from the cache: its related
initiatives and whether other apps (stories, the library, offers, projects) have anything for it."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from initiatives import selectors
from initiatives.matchmaking.models import CollaborationPost
from tests.factories import InitiativeFactory, SectorFactory
from tests.library.factories import ResourceFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Writes made inside it run their after-commit work (the listings, the cache versions)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def page(initiative, client=None) -> str:
    response = (client or Client()).get(reverse("initiatives:detail", args=[initiative.slug]))
    assert response.status_code == 200
    return response.content.decode()


def tables(captured) -> list[str]:
    """The table each query reads (the first the ORM names, quoted: not a subquery's)."""
    return [re.search(r' FROM ("\w+")', q["sql"]).group(1) for q in captured.captured_queries]


def test_a_visitors_miss_reads_the_initiative_with_its_sectors_when_its_parts_are_kept(committed):
    cocoa, coffee = SectorFactory(slug="cocoa"), SectorFactory(slug="coffee")
    with committed():
        first = InitiativeFactory(name="Cacao de Esmeraldas", country="EC", sectors=[cocoa, coffee])
        second = InitiativeFactory(name="Cacao del Oro", country="EC", sectors=[cocoa, coffee])
        InitiativeFactory(name="Café de Caldas", country="CO", sectors=[coffee])
        StoryFactory(title_en="Una historia del Oro", initiatives=[second])
    cache.clear()
    assert "Café de Caldas" in page(first)  # keeps the related list of Ecuador, cocoa and coffee
    with CaptureQueriesContext(connection) as captured:
        html = page(second)  # another page of the same country and sectors: not kept itself
    assert "Café de Caldas" in html
    assert "Una historia del Oro" in html
    facts = html.split('id="facts"', 1)[1].split("</dd>", 1)[0]  # its sectors, in their order
    sectors = sorted([cocoa, coffee], key=lambda s: (s.order, s.name))
    assert [f'href="{s.get_absolute_url()}"' in facts for s in sectors] == [True, True]
    assert facts.index(sectors[0].get_absolute_url()) < facts.index(sectors[1].get_absolute_url())
    # The initiative with the ids of its sectors (the sectors from the kept map), and its stories
    # (the one part it has): no related query, no query for the library, offers or projects it
    # has none of.
    assert tables(captured) == ['"initiatives_initiative"', '"stories_story"']


def test_the_first_story_resource_or_offer_of_an_initiative_shows_on_its_next_page(committed):
    sector = SectorFactory(slug="cocoa")
    with committed():
        initiative = InitiativeFactory(name="Cacao de Esmeraldas", country="EC", sectors=[sector])
        other = InitiativeFactory(name="Cacao del Perú", country="PE", sectors=[sector])
    before = page(initiative)  # kept: "it has no story, resource or offer" with it
    assert "Stories about this initiative" not in before
    with committed():
        story = StoryFactory(title_en="La primera historia")
    with committed():
        story.initiatives.add(initiative)
    assert "La primera historia" in page(initiative)
    with committed():
        resource = ResourceFactory(title="Guía del cacao fino")
        resource.initiatives.add(initiative)
    assert "Guía del cacao fino" in page(initiative)
    with committed():
        CollaborationPost.objects.create(
            initiative=initiative,
            direction="offer",
            kind="training",
            title="Ofrecemos secado solar",
            text="Secadores solares para cacao.",
            status=CollaborationPost.Status.PUBLISHED,
            published_at=timezone.now(),
            expires_at=timezone.now() + timezone.timedelta(days=30),
        )
    assert "Ofrecemos secado solar" in page(initiative)
    # The other initiative's page, kept before, shows none of them.
    html = page(other)
    assert "La primera historia" not in html and "Ofrecemos secado solar" not in html


def test_a_renamed_sector_shows_in_kept_related_lists_at_the_next_request(committed):
    cocoa = SectorFactory(slug="cocoa", name="Cacao")
    with committed():
        first = InitiativeFactory(name="Cacao de Esmeraldas", country="EC", sectors=[cocoa])
        InitiativeFactory(name="Cacao del Perú", country="PE", sectors=[cocoa])
    assert "Cacao del Perú" in page(first)
    with committed():
        cocoa.name = "Cacao fino de aroma"
        cocoa.name_es = "Cacao fino de aroma"
        cocoa.save()
    related = page(first).split('id="related"', 1)[1]
    assert "Cacao fino de aroma" in related


def test_a_part_that_many_initiatives_have_is_not_kept_as_a_set_and_still_shows(
    committed, monkeypatch
):
    """A set of ids is read on every page not kept: past PARTS_MOST ids it would cost more to read
    than the query it saves, so it is not kept (the page asks, as before), and the page is right."""
    monkeypatch.setattr(selectors, "PARTS_MOST", 1)
    sector = SectorFactory(slug="cocoa")
    with committed():
        first = InitiativeFactory(name="Cacao de Esmeraldas", country="EC", sectors=[sector])
        second = InitiativeFactory(name="Cacao del Oro", country="EC", sectors=[sector])
        StoryFactory(title_en="Historia de Esmeraldas", initiatives=[first])
        StoryFactory(title_en="Historia del Oro", initiatives=[second])
    cache.clear()
    assert "Historia de Esmeraldas" in page(first)
    assert "Historia del Oro" in page(second)
    version = selectors._PAGE_PARTS["stories"].version()
    assert cache.get(f"initiatives:page-part:stories:{version}") is False
