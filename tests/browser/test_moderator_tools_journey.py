"""A moderator's day in Chromium: decide on an edit while seeing what it changes, then create a
sector and grant a role in the admin, without being staff or superuser."""

import pytest
from django.contrib.admin.models import LogEntry
from playwright.sync_api import expect

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import User
from initiatives import services as initiative_services
from initiatives.models import Initiative, Sector
from tests.factories import UserFactory

from ..initiatives.helpers import complete_draft, decide
from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_moderator_decides_on_an_edit_seeing_the_diff_then_manages_the_admin(
    browser, live_server, promoter, moderator_with_totp
):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    initiative = complete_draft(promoter, submit=True)
    decide(initiative, moderator_with_totp, "approve")
    revision = initiative_services.initiative_start_edit(initiative=initiative, user=promoter)
    initiative_services.initiative_save_step(
        initiative=revision,
        user=promoter,
        data={"description": "Productores de leche, queso y yogur de Cayambe."},
        step=5,
    )
    initiative_services.initiative_submit(initiative=revision, user=promoter)
    newcomer = UserFactory(email="nueva@example.org", display_name="Nueva Promotora")

    context = browser.new_context(locale="en-US", base_url=live_server.url)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, moderator_with_totp)
    page = context.new_page()

    # --- The queue: the edit shows, word by word, what the public page would change to -------
    page.goto("/moderation/")
    page.get_by_role("link", name="Clúster Lácteo de Cayambe").click()
    diff = page.get_by_role("table").filter(has_text="Proposed version")
    expect(diff.locator("del")).to_have_text("queserías")
    expect(diff.locator("ins").first).to_be_visible()
    expect(diff).to_contain_text("yogur")
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text("Approved: “Clúster Lácteo de Cayambe”.")).to_be_visible()
    initiative.refresh_from_db()
    assert initiative.description == "Productores de leche, queso y yogur de Cayambe."
    assert Initiative.objects.get(pk=revision.pk).status == Initiative.Status.MERGED

    # --- The admin: a new sector ----------------------------------------------------------------
    page.goto("/admin/")
    page.get_by_role("link", name="Sectors").first.click()
    page.get_by_role("link", name="Add sector").click()
    page.locator("#id_name_es").fill("Industrias creativas")
    page.locator("#id_name_en").fill("Creative industries")
    page.locator("#id_name_pt_br").fill("Indústrias criativas")
    page.locator("#id_slug").fill("creative-industries")
    page.get_by_role("button", name="Save", exact=True).click()
    expect(page.locator(".messagelist")).to_contain_text("was added successfully")
    sector = Sector.objects.get(slug="creative-industries")

    # --- The admin: a role for a new account --------------------------------------------------
    page.goto("/admin/accounts/user/?q=nueva%40example.org")
    page.locator(f'input[name="_selected_action"][value="{newcomer.pk}"]').check()
    page.locator('select[name="action"]').select_option("grant_promoter")
    page.get_by_role("button", name="Go").click()
    expect(page.locator(".messagelist")).to_contain_text("Roles changed for 1 of 1 accounts.")
    assert roles.has_role(User.objects.get(pk=newcomer.pk), roles.PROMOTER)

    logged = LogEntry.objects.filter(user=moderator_with_totp).order_by("action_time")
    assert [entry.object_id for entry in logged] == [str(sector.pk), str(newcomer.pk)]
    context.close()
