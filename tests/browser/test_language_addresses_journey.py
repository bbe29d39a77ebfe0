"""Without JavaScript, the language switcher keeps the reader on the same page, at that page's
address in the chosen language."""

import re

import pytest
from playwright.sync_api import expect

from tests.factories import InitiativeFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_switcher_moves_an_initiatives_page_between_languages(browser, live_server):
    InitiativeFactory(slug="cluster-aguacate", name="Clúster del Aguacate")
    context = browser.new_context(
        locale="es-ES", base_url=live_server.url, java_script_enabled=False
    )
    page = context.new_page()
    page.goto("/initiatives/cluster-aguacate/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clúster del Aguacate")

    page.get_by_role("button", name="English").click()
    expect(page).to_have_url(f"{live_server.url}/en/initiatives/cluster-aguacate/")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Clúster del Aguacate")
    expect(page.locator('link[hreflang="pt-BR"]')).to_have_attribute(
        "href", re.compile(r"/pt-br/initiatives/cluster-aguacate/$")
    )

    page.get_by_role("button", name="Português").click()
    expect(page).to_have_url(f"{live_server.url}/pt-br/initiatives/cluster-aguacate/")
    expect(page.locator("html")).to_have_attribute("lang", "pt-br")

    # The old address now leads this reader to their language (the cookie the switcher set).
    page.goto("/initiatives/cluster-aguacate/")
    expect(page).to_have_url(f"{live_server.url}/pt-br/initiatives/cluster-aguacate/")

    page.get_by_role("button", name="Español").click()
    expect(page).to_have_url(f"{live_server.url}/initiatives/cluster-aguacate/")
    expect(page.locator("html")).to_have_attribute("lang", "es")
    context.close()
