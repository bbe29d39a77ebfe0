"""Accessibility (axe-core), page weight and no-JavaScript use of the main pages, in Chromium."""

from pathlib import Path

import pytest

from initiatives import services
from tests.factories import InitiativeFactory, SectorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
LANGUAGES = {"es": "es-ES", "en": "en-US", "pt-br": "pt-BR"}
WEIGHT_LIMIT = 200 * 1024


@pytest.fixture
def pages(live_server):
    sector = SectorFactory(
        slug="agrifood", name_es="Agroalimentario", name_en="Agrifood", name_pt_br="Agroalimentar"
    )
    initiative = InitiativeFactory(
        name="Clúster del Cacao",
        country="EC",
        sectors=[sector],
        latitude=-0.2,
        longitude=-78.5,
        description="Productores de cacao fino de aroma.",
        contact_name="Ana",
    )
    services.initiative_refresh_search(initiative=initiative)
    return {
        "home": "/",
        "directory": "/initiatives/",
        "initiative": initiative.get_absolute_url(),
        "statistics": "/initiatives/statistics/",
        "sign-up": "/accounts/signup/",
        "library": "/library/",
        "community": "/community/",
        "bulletin": "/bulletin/",
    }


@pytest.mark.parametrize("language", list(LANGUAGES))
def test_main_pages_have_no_serious_accessibility_violation(browser, live_server, pages, language):
    # bypass_csp lets the test inject axe-core; the pages themselves are served with their CSP.
    context = browser.new_context(
        locale=LANGUAGES[language], base_url=live_server.url, bypass_csp=True
    )
    page = context.new_page()
    problems = []
    for name, path in pages.items():
        page.goto(path)
        assert page.locator("html").get_attribute("lang") == language
        page.evaluate(AXE)
        result = page.evaluate(
            "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
            "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
            ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
        )
        problems += [(name, v) for v in result if v["impact"] in ("serious", "critical")]
    context.close()
    assert problems == []


def test_main_pages_stay_under_200_kb_on_a_cold_load(browser, live_server, pages):
    heavy = {}
    for name in ("home", "directory", "initiative"):
        context = browser.new_context(base_url=live_server.url)
        page = context.new_page()
        sizes: list[int] = []
        page.on("response", lambda response, sizes=sizes: sizes.append(len(response.body() or b"")))
        page.goto(pages[name], wait_until="networkidle")
        total = sum(sizes)  # uncompressed: an upper bound of what travels
        if total > WEIGHT_LIMIT:
            heavy[name] = total
        context.close()
    assert heavy == {}


def test_the_registry_is_usable_without_javascript(browser, live_server, pages):
    context = browser.new_context(
        base_url=live_server.url, java_script_enabled=False, locale="en-US"
    )
    page = context.new_page()
    page.goto("/initiatives/")
    page.get_by_label("Search the registry").fill("cacao")
    page.get_by_role("button", name="Search", exact=True).click()
    assert "q=cacao" in page.url
    page.get_by_role("link", name="Clúster del Cacao").click()
    assert page.get_by_role("heading", level=1).inner_text().startswith("Clúster del Cacao")
    page.goto("/")
    page.get_by_role("button", name="Português (Brasil)").click()
    assert page.locator("html").get_attribute("lang") == "pt-br"
    context.close()
