"""The one search in Chromium: a member types "financiacion" (no accent) in the header's box, sees
suggestions, opens the results, finds a resource by a word inside its PDF, a forum thread, a
story and an open opportunity, narrows to the library and opens the resource; a visitor's search
lists neither the private thread, nor the draft, nor the closed opportunity."""

import re
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from library import services as library
from tests.community import factories as forum
from tests.factories import UserFactory
from tests.library.factories import ResourceFactory, pdf_bytes
from tests.opportunities.factories import OpportunityFactory
from tests.stories.factories import StoryFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESOURCE = "Guía de fondos mixtos"
THREAD = "¿Cómo resolvieron la financiación de la gerencia?"
PRIVATE = "Financiación confidencial del grupo"
STORY = "Financiación mixta en Ecuador"
DRAFT = "Financiación en borrador"
OPPORTUNITY = "Convocatoria de financiación para clústeres"
CLOSED = "Financiación que ya cerró"


def _world():
    member = UserFactory(email="member@example.org", language="en")
    stranger = UserFactory(email="stranger@example.org")
    resource = ResourceFactory(title=RESOURCE, summary="Cómo combinar fondos.", title_language="es")
    data = pdf_bytes(RESOURCE, "Anexo: la financiación de la gerencia paso a paso.")
    resource.file.save("0123456789abcdef.pdf", ContentFile(data), save=False)
    resource.file_name, resource.file_kind = "guia.pdf", "pdf"
    resource.file_mimetype, resource.file_size = "application/pdf", len(data)
    resource.save()
    library.resource_process_file(resource_id=resource.pk)
    forum.thread(stranger, title=THREAD, body="Compartan su experiencia.")
    group = forum.category("working-group", is_private=True)
    group.members.add(stranger)
    forum.thread(stranger, title=PRIVATE, cat=group)
    StoryFactory(title_es=STORY, title_en=STORY, summary_en="Blending public and private money.")
    StoryFactory(title_es=DRAFT, title_en=DRAFT, status="draft")
    OpportunityFactory(title_es=OPPORTUNITY, title_en=OPPORTUNITY)
    OpportunityFactory(
        title_es=CLOSED,
        title_en=CLOSED,
        opens_at=timezone.now() - timedelta(days=60),
        closes_at=timezone.now() - timedelta(days=2),
    )
    return member


def test_a_member_finds_four_kinds_narrows_and_opens_and_a_visitor_sees_no_private_thread(
    browser, live_server
):
    member = _world()
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(context, live_server, member)
    page = context.new_page()
    page.goto("/en/")

    # Suggestions under the header's box as the member types (htmx).
    box = page.get_by_label("Search the platform", exact=True)
    box.fill("financiacion")
    suggestions = page.locator("#header-suggestions")
    expect(suggestions.get_by_role("link", name=re.compile(STORY))).to_be_visible()
    expect(suggestions.get_by_role("link", name=re.compile("See all 4 results"))).to_be_visible()

    # Enter opens the results page: one list of four kinds, with counts.
    box.press("Enter")
    page.wait_for_url(re.compile(r"/en/search/\?q=financiacion"))
    results = page.locator("#search-results")
    expect(results.get_by_role("status")).to_have_text("4 results for “financiacion”")
    for title in (RESOURCE, THREAD, STORY, OPPORTUNITY):
        expect(results.get_by_role("link", name=title, exact=True)).to_be_visible()
    expect(results.locator("mark").first).to_be_visible()
    listed = results.inner_text()
    assert PRIVATE not in listed and DRAFT not in listed and CLOSED not in listed
    # The word was inside the PDF only: the snippet shows it there.
    expect(
        results.get_by_text(re.compile("financiación de la gerencia paso a paso"))
    ).to_be_visible()

    # Narrow to the library, then open the resource.
    page.get_by_role("navigation", name="Kinds of result").get_by_role(
        "link", name=re.compile(r"^Library")
    ).click()
    page.wait_for_url(re.compile(r"kind=resources"))
    expect(results.get_by_role("status")).to_have_text("1 result for “financiacion”")
    expect(results.get_by_role("link", name=THREAD, exact=True)).to_have_count(0)
    expect(results.get_by_role("link", name=re.compile("Filter in Library"))).to_be_visible()
    results.get_by_role("link", name=RESOURCE, exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(RESOURCE)
    context.close()

    # A visitor: the story, the resource and the open opportunity, never a thread (the forum is
    # the members'), a draft or a closed opportunity.
    visitor_context = browser.new_context(locale="en-US", base_url=live_server.url)
    visitor = visitor_context.new_page()
    visitor.goto("/en/search/?q=financiacion")
    found = visitor.locator("#search-results")
    expect(found.get_by_role("status")).to_have_text("3 results for “financiacion”")
    text = found.inner_text()
    assert RESOURCE in text and STORY in text and OPPORTUNITY in text
    assert THREAD not in text and PRIVATE not in text and DRAFT not in text and CLOSED not in text
    visitor_context.close()
