"""The map in real Chromium: Leaflet, country shapes, clustered markers, no other host."""

from decimal import Decimal

import pytest

from initiatives.models import Initiative
from tests.addresses import address
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Markers count as one; a cluster counts as the number it shows.
COUNT_MARKERS = """() => Array.from(document.querySelectorAll('#map .leaflet-marker-icon'))
  .reduce((sum, el) => sum + (el.classList.contains('marker-cluster')
    ? parseInt(el.textContent, 10) : 1), 0)"""


def located(lat: str, lng: str, **kwargs) -> Initiative:
    return InitiativeFactory(latitude=Decimal(lat), longitude=Decimal(lng), **kwargs)


@pytest.fixture
def registry():
    cacao = SectorFactory(slug="cacao", name_es="Cacao", name_en="Cocoa")
    tourism = SectorFactory(slug="turismo", name_es="Turismo", name_en="Tourism")
    located("-0.18", "-78.47", name="Cacao de Quito", city="Quito", sectors=[cacao])
    located("-2.19", "-79.89", name="Cacao del Guayas", city="Guayaquil", sectors=[cacao, tourism])
    located(
        "-0.22",
        "-78.51",
        name="Borrador de cacao",
        sectors=[cacao],
        status=Initiative.Status.DRAFT,
    )
    located("-0.95", "-80.73", name="Turismo de Manta", city="Manta", sectors=[tourism])
    located("4.71", "-74.07", name="Cacao de Bogotá", country="CO", city="Bogotá", sectors=[cacao])
    InitiativeFactory(name="Cacao sin coordenadas", sectors=[cacao])
    return cacao


def test_a_visitor_sees_the_filtered_initiatives_on_the_map_without_any_other_host(
    page, live_server, registry
):
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))

    page.goto(f"/initiatives/map/?country=EC&sector={registry.slug}")
    page.locator("#map.explore-map-loaded").wait_for()
    assert page.locator("#map").get_attribute("role") == "region"
    assert page.locator("#map").get_attribute("aria-label")

    # The country shapes are drawn (no tile layer), and exactly the two matching markers.
    assert page.locator("#map path.explore-map-country").count() > 10
    assert page.locator("#map .leaflet-tile").count() == 0
    assert page.evaluate(COUNT_MARKERS) == 2
    assert page.locator("#map").get_attribute("data-count") == "2"

    # A marker's popup links to the initiative's page.
    page.locator("#map .leaflet-marker-icon[title='Cacao de Quito']").click()
    link = page.locator(".leaflet-popup-content a")
    assert link.inner_text() == "Cacao de Quito"
    assert link.get_attribute("href") == address(
        "initiatives:detail", args=[Initiative.objects.get(name="Cacao de Quito").slug]
    )  # the Spanish page's address: the map is the Spanish one

    # The list below the map names the same initiatives, and the one without coordinates.
    listed = page.locator("#map-list-heading + ul li a").all_inner_texts()
    assert listed == ["Cacao de Quito", "Cacao del Guayas", "Cacao sin coordenadas"]

    assert requests, "the page made no request"
    foreign = [url for url in requests if not url.startswith((live_server.url, "data:"))]
    assert foreign == []
    assert any("/initiatives/map/data.json?country=EC&sector=cacao" in url for url in requests)
    assert any("/initiatives/map/countries.geojson" in url for url in requests)
    assert any("/static/vendor/leaflet/images/marker-icon" in url for url in requests)
    assert problems == []  # no script error, no Content Security Policy violation


def test_the_filter_form_narrows_the_map(page, registry):
    page.goto("/initiatives/map/")
    page.locator("#map.explore-map-loaded").wait_for()
    assert page.evaluate(COUNT_MARKERS) == 4

    page.locator("#map-country").select_option("CO")
    page.locator("form.explore-filters button[type=submit]").click()
    page.wait_for_url("**/initiatives/map/?*country=CO*")
    page.locator("#map.explore-map-loaded").wait_for()

    assert page.evaluate(COUNT_MARKERS) == 1
    assert page.locator("#map-list-heading + ul li a").all_inner_texts() == ["Cacao de Bogotá"]
