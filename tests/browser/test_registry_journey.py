"""The registry's journey in Chromium: a promoter registers, a moderator asks for a change, the
promoter fixes it, the moderator approves, and a visitor finds the initiative."""

import re

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from playwright.sync_api import expect

from iapt_platform.moderation.models import ModerationItem
from initiatives.models import Initiative
from tests.factories import PASSWORD, InitiativeFactory, SectorFactory

from ..initiatives.helpers import png_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_as(context, live_server, user) -> None:
    """A session cookie for `user` (the sign-in form itself is covered by its own journey)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
    )


def test_register_moderate_fix_approve_and_find(
    browser, live_server, promoter, moderator_with_totp, tmp_path
):
    agrifood = SectorFactory(
        slug="agrifood", name_es="Agroalimentario", name_en="Agrifood", name_pt_br="Agroalimentar"
    )
    SectorFactory(slug="tourism", name_es="Turismo", name_en="Tourism", name_pt_br="Turismo")
    InitiativeFactory(
        name="Red de Turismo de Quito",
        country="EC",
        sectors=[agrifood],
        latitude=-0.2,
        longitude=-78.5,
    )
    promoter.language = moderator_with_totp.language = "en"
    promoter.save()
    moderator_with_totp.save()
    logo = tmp_path / "logo.png"
    logo.write_bytes(png_bytes(size=(200, 120)))

    # --- The promoter signs in and registers through every step ------------------------------
    promoter_context = browser.new_context(locale="en-US", base_url=live_server.url)
    page = promoter_context.new_page()
    page.goto("/accounts/login/")
    page.get_by_role("main").get_by_label("Email").fill(promoter.email)
    page.get_by_role("main").get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()
    page.goto("/initiatives/register/")
    page.get_by_label("Name of the initiative").fill("Clúster Lácteo de Cayambe")
    page.get_by_label("Country").select_option("EC")
    page.get_by_label("Type").select_option("cluster")
    page.get_by_role("button", name="Continue").click()
    page.wait_for_url(re.compile(r"/step/1/$"))

    page.get_by_label("Acronym").fill("CLC")
    page.get_by_label("Year founded").fill("2015")
    page.get_by_label("Stage").select_option("developing")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/step/2/$"))
    page.get_by_label("City").fill("Cayambe")
    page.get_by_label("Latitude").fill("0.04")
    page.get_by_label("Longitude").fill("-78.14")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/step/3/$"))
    page.get_by_label("Agrifood").check()
    page.get_by_label("Value chain").fill("Leche y quesos")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/step/4/$"))
    page.get_by_label("Managing organisation").fill("Asociación de Productores Lácteos")
    page.get_by_label("Micro and small firms").fill("35")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/step/5/$"))
    page.get_by_role("textbox", name="Description", exact=True).fill(
        "Productores de leche y queserías artesanales de Cayambe."
    )
    page.get_by_label("Logo").set_input_files(str(logo))
    page.get_by_label("Contact person").fill("Rosa Quishpe")
    page.get_by_role("button", name="Save and continue").click()
    page.wait_for_url(re.compile(r"/preview/$"))
    expect(page.get_by_role("img", name="Logo")).to_be_visible()
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(r"/initiatives/mine/$"))
    initiative = Initiative.objects.get(name="Clúster Lácteo de Cayambe")
    assert initiative.status == "in_review" and initiative.logo

    # --- The moderator asks for a change --------------------------------------------------------
    moderator_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(moderator_context, live_server, moderator_with_totp)
    mod = moderator_context.new_page()
    mod.goto("/moderation/?country=EC")
    mod.get_by_role("link", name="Clúster Lácteo de Cayambe").click()
    mod.get_by_label("Comment for the submitter").fill("Please add the website.")
    mod.get_by_role("button", name="Request changes").click()
    mod.wait_for_url(re.compile(r"/moderation/"))
    assert mail.outbox[-1].to == [promoter.email]
    assert "Please add the website." in mail.outbox[-1].body

    # --- The promoter fixes it and submits again --------------------------------------------------
    page.goto("/initiatives/mine/")
    expect(page.get_by_text("Changes requested")).to_be_visible()
    page.get_by_role("link", name="Continue").click()
    page.get_by_role("link", name="1. Identity").click()
    page.get_by_label("Website").fill("https://lacteos-cayambe.example.org")
    page.get_by_role("button", name="Save and continue").click()
    page.goto(f"/initiatives/drafts/{initiative.pk}/preview/")
    page.get_by_role("button", name="Submit for review").click()
    page.wait_for_url(re.compile(r"/initiatives/mine/$"))

    # --- The moderator approves -------------------------------------------------------------------
    mod.goto("/moderation/")
    mod.get_by_role("link", name="Clúster Lácteo de Cayambe").click()
    mod.get_by_role("button", name="Approve").click()
    mod.wait_for_url(re.compile(r"/moderation/"))
    initiative.refresh_from_db()
    assert initiative.status == "published"
    assert ModerationItem.objects.get(object_id=initiative.pk).status == "approved"

    # --- A visitor finds it by an accent-less word, and by country plus sector ---------------------
    visitor_context = browser.new_context(locale="en-US", base_url=live_server.url)
    visitor = visitor_context.new_page()
    visitor.goto("/initiatives/")
    visitor.get_by_label("Search the registry").fill("lacteo")
    visitor.get_by_role("button", name="Search", exact=True).click()
    visitor.wait_for_url(re.compile(r"q=lacteo"))
    expect(visitor.get_by_role("link", name="Clúster Lácteo de Cayambe")).to_be_visible()
    expect(visitor.get_by_role("link", name="Red de Turismo de Quito")).to_have_count(0)

    visitor.goto("/initiatives/?country=EC&sector=agrifood")
    results = visitor.locator("#results")
    expect(results.get_by_role("link", name="Clúster Lácteo de Cayambe")).to_be_visible()
    expect(results.get_by_role("link", name="Red de Turismo de Quito")).to_be_visible()
    visitor.goto("/initiatives/?country=EC&sector=tourism")
    expect(
        visitor.locator("#results").get_by_role("link", name="Clúster Lácteo de Cayambe")
    ).to_have_count(0)

    visitor.goto("/initiatives/map/?country=EC&sector=agrifood&q=lacteo")
    visitor.wait_for_selector(".leaflet-marker-icon")
    assert visitor.locator(".leaflet-marker-icon").count() == 1
    expect(visitor.get_by_role("link", name="Clúster Lácteo de Cayambe").first).to_be_visible()

    visitor.get_by_role("link", name="Clúster Lácteo de Cayambe").first.click()
    assert (
        visitor.get_by_role("heading", level=1).inner_text().startswith("Clúster Lácteo de Cayambe")
    )
    for context in (promoter_context, moderator_context, visitor_context):
        context.close()
