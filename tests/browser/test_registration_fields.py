"""What the guided registration asks, as a promoter sees it in Chromium: what is required is marked
and refused where it is asked, and the territory is chosen from the country's subdivisions."""

import re

import pytest
from playwright.sync_api import expect

from initiatives import services
from tests.factories import SectorFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _draft_at_step_5(promoter):
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Aguacate de Michoacán", country="MX", kind="cluster"
    )
    sector = SectorFactory(slug="agrifood", name_en="Agrifood")
    return services.initiative_save_step(
        initiative=initiative, user=promoter, data={"sectors": [sector]}, step=4
    )


def test_step_5_marks_the_contact_person_as_required_and_refuses_to_go_on_without_it(
    browser, live_server, promoter
):
    promoter.language = "en"
    promoter.save()
    initiative = _draft_at_step_5(promoter)
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(context, live_server, promoter)
    page = context.new_page()

    page.goto(f"/initiatives/drafts/{initiative.pk}/step/5/")
    contact = page.get_by_label("Contact person")
    expect(page.locator("label[for=id_contact_name]")).to_contain_text("*")
    expect(contact).to_have_attribute("required", "")
    page.get_by_role("textbox", name="Description", exact=True).fill(
        "Productores de aguacate de Uruapan."
    )
    page.get_by_role("button", name="Save and continue").click()

    expect(page).to_have_url(re.compile(r"/step/5/$"))
    expect(page.locator(".field-invalid")).to_contain_text("This field is required.")
    expect(page.locator(".field-invalid label")).to_contain_text("Contact person")
    initiative.refresh_from_db()
    assert initiative.description == "Productores de aguacate de Uruapan."  # the rest is kept
    assert initiative.draft_step == 5  # the review step is not reachable yet
    context.close()
