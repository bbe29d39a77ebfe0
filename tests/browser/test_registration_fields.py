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


def test_a_promoter_picks_the_state_and_a_visitor_filters_the_directory_by_it(
    browser, live_server, promoter
):
    promoter.language = "en"
    promoter.save()
    initiative = services.initiative_start(
        user=promoter, name="Clúster del Aguacate de Michoacán", country="MX", kind="cluster"
    )
    initiative = services.initiative_save_step(
        initiative=initiative, user=promoter, data={}, step=1
    )
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(context, live_server, promoter)
    page = context.new_page()

    page.goto(f"/initiatives/drafts/{initiative.pk}/step/2/")
    state = page.get_by_label("State, province or department")
    expect(state.locator("optgroup").first).to_have_attribute("label", "Mexico")
    state.select_option(label="Michoacán de Ocampo")
    page.get_by_label("Locality or territory detail").fill("Uruapan")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/step/3/$"))
    initiative.refresh_from_db()
    assert (initiative.subdivision, initiative.territory) == ("MX-MIC", "Uruapan")
    context.close()

    from tests.factories import InitiativeFactory

    InitiativeFactory(name="Clúster Tequilero", country="MX", subdivision="MX-JAL")
    InitiativeFactory(name="Clúster de la Fresa", country="MX", subdivision="MX-MIC")
    InitiativeFactory(name="Arranjo do Café", country="BR", subdivision="BR-MG")
    visitor = browser.new_context(locale="en-US", base_url=live_server.url).new_page()
    visitor.goto("/initiatives/")
    expect(visitor.get_by_role("group", name="State or province")).to_have_count(0)
    visitor.get_by_role("group", name="Country").get_by_label("Mexico").check()
    visitor.wait_for_url(re.compile(r"country=MX"))
    states = visitor.get_by_role("group", name="State or province")
    expect(states).to_be_visible()
    states.get_by_label("Michoacán de Ocampo").check()
    visitor.wait_for_url(re.compile(r"subdivision=MX-MIC"))
    expect(visitor.get_by_role("link", name="Clúster de la Fresa")).to_be_visible()
    expect(visitor.get_by_role("link", name="Clúster Tequilero")).to_have_count(0)
    expect(visitor.get_by_role("link", name="Arranjo do Café")).to_have_count(0)
