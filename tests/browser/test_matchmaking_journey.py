"""Matchmaking in Chromium: promoter A seeks cybersecurity training, promoter B's initiative offers
it; A finds B among the suggestions with the reason, writes, B accepts, both see each other's
contact; they open a joint project, B confirms, and a visitor sees the project and both badges."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from initiatives.matchmaking import services, tasks
from initiatives.matchmaking.models import CollaborationPost, Connection, Project
from tests.matchmaking.conftest import (  # noqa: F401 (fixtures, shared with tests/matchmaking)
    SECRET_CONTACT_A,
    SECRET_CONTACT_B,
    approve_all,
    initiative_a,
    initiative_b,
    post_data,
    promoter_a,
    promoter_b,
    sectors,
    topics,
)

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_need_suggestion_interest_acceptance_joint_project(
    browser,
    live_server,
    promoter_a,  # noqa: F811 (fixtures imported from tests/matchmaking)
    promoter_b,  # noqa: F811
    initiative_a,  # noqa: F811
    initiative_b,  # noqa: F811
    moderator,
    post_data,  # noqa: F811
):
    # B's offer exists already (published through the same service and moderation as A's need).
    post_data.update(direction="offer", title="Cybersecurity training programme for SMEs")
    services.post_create(initiative=initiative_b, user=promoter_b, data=post_data)

    # --- A publishes a need for cybersecurity training -----------------------------------------
    a_context = browser.new_context(locale="en-US", base_url=live_server.url)
    a_context.set_default_timeout(10_000)
    sign_in_as(a_context, live_server, promoter_a)
    a = a_context.new_page()
    a.goto(initiative_a.get_absolute_url())
    a.locator(".manage-box").get_by_role("link", name="Collaboration").click()
    a.wait_for_url(re.compile(r"/collaboration/initiatives/cacao-esmeraldas/$"))
    a.get_by_role("link", name="Publish a need").click()
    a.get_by_label("What kind of help you seek").select_option("training")
    a.get_by_label("Title").fill("Cybersecurity training for cocoa exporters")
    a.get_by_label("Cybersecurity").check()
    a.get_by_label("Description").fill("Our 40 exporters get **phishing** every week.")
    a.get_by_role("button", name="Send for review").click()
    a.wait_for_url(re.compile(r"/collaboration/posts/\d+/$"))
    expect(a.get_by_text("Sent for review")).to_be_visible()
    need = CollaborationPost.objects.get(initiative=initiative_a)
    assert (need.direction, need.kind, need.status) == ("need", "training", "in_review")

    # --- Staff approve both; the periodic task computes suggestions -----------------------------
    approve_all(moderator)
    tasks.suggestions_refresh.delay()

    # --- A sees B among the suggestions, with the reason, and writes -----------------------------
    a.goto("/collaboration/initiatives/cacao-esmeraldas/")
    suggestions = a.locator("ol.suggestions")
    expect(
        suggestions.get_by_role("link", name="Clúster Ciberseguro de Lima", exact=True)
    ).to_be_visible()
    expect(suggestions).to_contain_text("offers cybersecurity training, which you seek")
    expect(suggestions).to_contain_text("Peru")
    suggestions.get_by_role("link", name="Express interest in Clúster Ciberseguro de Lima").click()
    a.get_by_label("Message").fill("We would like your programme for our exporters.")
    a.get_by_role("button", name="Send").click()
    a.wait_for_url(re.compile(r"/collaboration/connections/\d+/$"))
    expect(a.get_by_text("Waiting for their answer")).to_be_visible()
    for secret in (promoter_b.email, SECRET_CONTACT_B):
        assert secret not in a.content()
    assert any(m.to == [promoter_b.email] for m in mail.outbox)

    # --- B accepts and sees A's contact -----------------------------------------------------------
    b_context = browser.new_context(locale="en-US", base_url=live_server.url)
    b_context.set_default_timeout(10_000)
    sign_in_as(b_context, live_server, promoter_b)
    b = b_context.new_page()
    b.goto("/collaboration/mine/")
    b.get_by_role("link", name="Waiting for an answer").click()
    expect(b.get_by_text("We would like your programme for our exporters.")).to_be_visible()
    assert promoter_a.email not in b.content()
    b.get_by_role("button", name="Accept").click()
    expect(
        b.get_by_role("heading", name="Contact at Clúster del Cacao de Esmeraldas")
    ).to_be_visible()
    expect(b.get_by_role("link", name=promoter_a.email)).to_be_visible()
    # A's contact email is hidden (the fixture): the exchange honours it.
    expect(b.get_by_role("link", name=SECRET_CONTACT_A)).to_have_count(0)

    # --- A sees B's contact, then opens a joint project with B ------------------------------------
    a.reload()
    expect(a.get_by_role("link", name=promoter_b.email)).to_be_visible()
    expect(a.get_by_role("link", name=SECRET_CONTACT_B)).to_have_count(0)
    a.get_by_role("link", name="Open a joint project").click()
    expect(a.get_by_label("Cybersecurity")).to_be_checked()
    a.get_by_label("Title").fill("Cyber-safe cocoa exports")
    a.get_by_label("Summary").fill("A training programme for **Andean** exporters.")
    a.get_by_role("button", name="Send for review").click()
    a.wait_for_url(re.compile(r"/collaboration/projects/cyber-safe-cocoa-exports/$"))
    project = Project.objects.get()
    approve_all(moderator)
    assert Connection.objects.get().stage == "joint_project"

    # --- B confirms its place in the project ------------------------------------------------------
    b.goto(project.get_absolute_url())
    partners = b.locator("ul.partner-list")
    expect(partners.get_by_role("link", name="Clúster Ciberseguro de Lima")).to_have_count(0)
    b.get_by_role("button", name="Confirm Clúster Ciberseguro de Lima as partner").click()
    expect(partners.get_by_role("link", name="Clúster Ciberseguro de Lima")).to_be_visible()

    # --- A visitor finds the project and both badges ---------------------------------------------
    v_context = browser.new_context(locale="en-US", base_url=live_server.url)
    v = v_context.new_page()
    v.goto("/collaboration/projects/?topic=cybersecurity")
    v.get_by_role("link", name="Cyber-safe cocoa exports").click()
    partners = v.locator("ul.partner-list")
    expect(partners.get_by_role("link", name="Clúster del Cacao de Esmeraldas")).to_be_visible()
    expect(partners.get_by_role("link", name="Clúster Ciberseguro de Lima")).to_be_visible()
    assert SECRET_CONTACT_B not in v.content() and promoter_b.email not in v.content()
    for initiative in (initiative_a, initiative_b):
        v.goto(initiative.get_absolute_url())
        expect(v.locator(".project-badge", has_text="Cyber-safe cocoa exports")).to_be_visible()
    for context in (a_context, b_context, v_context):
        context.close()
