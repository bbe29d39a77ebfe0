"""The public directory: search, facets, sorting, unknown values, query counts."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iapt_platform.lib import search
from initiatives import selectors, services
from initiatives.models import Initiative, Sector
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = pytest.mark.django_db

URL = reverse("initiatives:list")


@pytest.fixture
def registry():
    agrifood = SectorFactory(
        slug="agrifood", name_es="Agroalimentario", name_en="Agrifood", name_pt_br="Agroalimentar"
    )
    logistics = SectorFactory(
        slug="logistics", name_es="Logística", name_en="Logistics", name_pt_br="Logística"
    )
    rows = [
        ("Clúster Logístico del Guayas", "EC", [logistics], "mature"),
        ("Clúster del Cacao de Esmeraldas", "EC", [agrifood], "developing"),
        ("Red Agroalimentaria de Arequipa", "PE", [agrifood], "developing"),
        ("Corredor Logístico del Callao", "PE", [logistics, agrifood], "emerging"),
    ]
    made = {}
    for name, country, sectors, stage in rows:
        initiative = InitiativeFactory(name=name, country=country, sectors=sectors, stage=stage)
        services.initiative_refresh_search(initiative=initiative)
        made[name] = initiative
    draft = InitiativeFactory(
        name="Clúster Logístico Secreto", country="EC", status="draft", sectors=[logistics]
    )
    services.initiative_refresh_search(initiative=draft)
    selectors.registry_changed()
    return made


def names(response) -> list[str]:
    return [i.name for i in response.context["page"].object_list]


def test_search_ignores_accents_and_finds_prefixes(client, registry):
    assert set(names(client.get(URL, {"q": "logistica"}))) == {
        "Clúster Logístico del Guayas",
        "Corredor Logístico del Callao",
    }
    assert set(names(client.get(URL, {"q": "cluster"}))) == {
        "Clúster Logístico del Guayas",
        "Clúster del Cacao de Esmeraldas",
    }
    assert names(client.get(URL, {"q": "CACAO esmer"})) == ["Clúster del Cacao de Esmeraldas"]
    assert names(client.get(URL, {"q": "zzzz"})) == []


def test_search_finds_by_sector_and_country_names_in_any_language(client, registry):
    assert "Red Agroalimentaria de Arequipa" in names(client.get(URL, {"q": "agrifood peru"}))
    assert "Red Agroalimentaria de Arequipa" in names(client.get(URL, {"q": "perú"}))


def test_drafts_never_appear(client, registry):
    assert "Clúster Logístico Secreto" not in names(client.get(URL, {"q": "secreto"}))
    assert "Clúster Logístico Secreto" not in client.get(URL).text


def test_filtering_by_country_and_sector_with_facet_counts(client, registry):
    response = client.get(URL, {"country": "PE", "sector": "logistics"})
    assert names(response) == ["Corredor Logístico del Callao"]
    facets = response.context["directory"].facets
    # Each facet counts under the other filters: countries with a logistics initiative...
    assert {o.value: o.count for o in facets["country"]} == {"EC": 1, "PE": 1}
    # ...and sectors among Peru's initiatives.
    assert {o.value: o.count for o in facets["sector"]} == {"agrifood": 2, "logistics": 1}
    assert [o.value for o in facets["country"] if o.selected] == ["PE"]
    # Several values of a facet widen the result.
    assert len(names(client.get(URL, {"country": ["PE", "EC"], "sector": "agrifood"}))) == 3


def test_sorting_and_shareable_urls(client, registry):
    response = client.get(URL, {"sort": "name", "country": "EC"})
    assert names(response) == ["Clúster del Cacao de Esmeraldas", "Clúster Logístico del Guayas"]
    assert "country=EC" in response.context["query"]


def test_a_broad_search_is_listed_by_name_unless_relevance_is_asked_for(
    client, registry, monkeypatch
):
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    # Two matches: past the cap, so listed by name.
    broad = client.get(URL, {"q": "logistico"})
    ranked = client.get(URL, {"q": "logistico", "sort": "relevance"})

    assert names(broad) == ["Clúster Logístico del Guayas"]  # the first by name
    assert broad.context["directory"].sort == "name"
    assert '<option value="name" selected>' in broad.text
    assert ranked.context["directory"].sort == "relevance"
    assert len(names(ranked)) == 1


@pytest.mark.parametrize(
    "params",
    [
        {"country": "ZZ"},
        {"sector": "no-such-sector"},
        {"kind": "bogus"},
        {"stage": "x"},
        {"programme": "nope"},
        {"page": "99999"},
        {"sort": "evil"},
        {"q": "x" * 500},
    ],
)
def test_unknown_filter_values_never_fail(client, registry, params):
    response = client.get(reverse("initiatives:list"), params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    if set(params) & {"country", "sector", "kind", "stage", "programme", "q"}:
        assert names(response) == []
        assert "has a value we do not know" in response.text


def test_htmx_requests_get_only_the_results(client, registry):
    response = client.get(URL, {"country": "EC"}, HTTP_HX_REQUEST="true")
    assert "<html" not in response.text
    assert "Clúster del Cacao de Esmeraldas" in response.text


def _bulk(n: int) -> None:
    sectors = list(Sector.objects.all()) or [SectorFactory()]
    start = Initiative.objects.count()
    objs = Initiative.objects.bulk_create(
        Initiative(
            name=f"Iniciativa {start + i}",
            slug=f"bulk-{start + i}",
            country="EC",
            status="published",
            stage="emerging",
        )
        for i in range(n)
    )
    Initiative.sectors.through.objects.bulk_create(
        Initiative.sectors.through(initiative_id=o.pk, sector_id=sectors[i % len(sectors)].pk)
        for i, o in enumerate(objs)
    )
    selectors.registry_changed()


def _queries(client, url, params=None) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url, params or {}).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("params", [{}, {"country": "EC", "sector": "agrifood", "q": "iniciativa"}])
def test_the_directory_uses_a_fixed_number_of_queries(client, params):
    SectorFactory(slug="agrifood")
    _bulk(10)
    client.get(URL, params)  # the per-process caches (the sectors each process keeps)
    selectors.registry_changed()
    small = _queries(client, URL, params)
    _bulk(990)
    assert _queries(client, URL, params) == small


def test_the_initiative_page_uses_a_fixed_number_of_queries(client):
    sector = SectorFactory(slug="agrifood")
    _bulk(10)
    target = InitiativeFactory(name="Objetivo", sectors=[sector], country="PE")
    # Nothing kept (the page's parts are kept apart from it: see test_page_miss.py).
    cache.clear()
    small = _queries(client, target.get_absolute_url())
    _bulk(990)
    cache.clear()
    assert _queries(client, target.get_absolute_url()) == small


def test_the_initiative_page_respects_contact_visibility(client, member):
    initiative = InitiativeFactory(
        contact_name="Rosa",
        contact_email="rosa@example.org",
        contact_email_visibility="members",
        contact_phone="+593 99 000 0000",
        contact_phone_visibility="hidden",
    )
    page = client.get(initiative.get_absolute_url()).text
    assert "Rosa" in page and "rosa@example.org" not in page and "+593" not in page
    client.force_login(member)
    page = client.get(initiative.get_absolute_url()).text
    assert "rosa@example.org" in page and "+593" not in page
    initiative.contact_email_visibility = "public"
    initiative.save()
    client.logout()
    assert "rosa@example.org" in client.get(initiative.get_absolute_url()).text


def test_the_initiative_page_has_json_ld_and_a_location_map(client):
    initiative = InitiativeFactory(
        name="Clúster </script><script>alert(1)</script>",
        country="EC",
        latitude=-0.18,
        longitude=-78.47,
    )
    page = client.get(initiative.get_absolute_url()).text
    assert '<script type="application/ld+json">' in page
    json_ld = page.split('<script type="application/ld+json">')[1].split("</script>")[0]
    assert "<" not in json_ld  # the name cannot close the element
    import json

    data = json.loads(json_ld)
    assert data["name"] == initiative.name and data["address"]["addressCountry"] == "EC"
    assert 'class="location-map"' in page and 'class="location-point"' in page


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_the_location_point_is_drawn_where_the_initiative_is_in_every_language(client, language):
    """SVG numbers take a dot: a decimal comma ("177,6") puts the point in the map's corner."""
    initiative = InitiativeFactory(country="BR", latitude=-29.17, longitude=-51.52)
    page = client.get(address("initiatives:detail", [initiative.slug], language=language)).text
    circle = re.search(r'<circle cx="([^"]+)" cy="([^"]+)"[^>]*class="location-point"', page)
    svg = re.search(r'class="location-map" viewBox="0 0 ([^ "]+) ([^ "]+)"', page)
    width, height = float(svg.group(1)), float(svg.group(2))
    x, y = float(circle.group(1)), float(circle.group(2))
    assert 0 < x < width and 0 < y < height


SAYS_MORE = {
    "es": "Más de 1 resultados para «cluster»",
    "en": "More than 1 results for “cluster”",
    "pt-br": "Mais de 1 resultados para “cluster”",
}


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_a_search_past_the_cap_says_more_than_it_counted(client, registry, monkeypatch, language):
    monkeypatch.setattr(search, "COUNT_CAP", 1)  # "cluster" has two matches
    prefix = "" if language == "es" else f"/{language}"
    response = client.get(f"{prefix}/initiatives/", {"q": "cluster"})

    directory = response.context["directory"]
    assert directory.more is True
    assert response.context["page"].paginator.count == 1
    assert SAYS_MORE[language] in response.text
    # Nothing claims an exact figure: the facets list what matches, without counts.
    countries = directory.facets["country"]
    assert [o.value for o in countries] == ["EC"]
    assert all(o.count is None for options in directory.facets.values() for o in options)
    assert '<span class="count">' not in response.text.split('id="results"')[0]
    # Listed by name, and no further than it counted.
    assert names(response) == ["Clúster del Cacao de Esmeraldas"]


def test_a_search_exactly_at_the_cap_is_counted_exactly(client, registry, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 2)
    response = client.get(URL, {"q": "cluster"})

    directory = response.context["directory"]
    assert directory.more is False
    assert response.context["page"].paginator.count == 2
    assert {o.value: o.count for o in directory.facets["country"]} == {"EC": 2}
    assert {o.value: o.count for o in directory.facets["sector"]} == {
        "agrifood": 1,
        "logistics": 1,
    }
    assert set(names(response)) == {
        "Clúster Logístico del Guayas",
        "Clúster del Cacao de Esmeraldas",
    }


def test_a_filter_past_the_cap_without_a_search_is_still_counted_exactly(
    client, registry, monkeypatch
):
    # Filters have known values (their counts are kept per combination); only free text is capped.
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    response = client.get(URL, {"country": "EC"})
    assert response.context["directory"].more is False
    assert response.context["page"].paginator.count == 2
    assert {o.value: o.count for o in response.context["directory"].facets["stage"]} == {
        "developing": 1,
        "mature": 1,
    }


def test_a_narrowed_broad_search_counts_its_facets_again(client, registry, monkeypatch):
    monkeypatch.setattr(search, "COUNT_CAP", 1)
    response = client.get(URL, {"q": "cluster", "sector": "logistics"})
    directory = response.context["directory"]
    assert directory.more is False
    assert names(response) == ["Clúster Logístico del Guayas"]
    # The sector facet is counted under the search alone (two matches: past the cap)...
    assert all(o.count is None for o in directory.facets["sector"])
    # ...the others under the search and the sector: one match, counted.
    assert {o.value: o.count for o in directory.facets["country"]} == {"EC": 1}
