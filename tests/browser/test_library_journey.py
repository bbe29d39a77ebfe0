"""The library's journey in Chromium: a member uploads a PDF, a moderator approves it, a visitor
finds it by a word that appears only inside the PDF, filters by topic and language, downloads it and
exports the filtered list as RIS."""

import re
from pathlib import Path

import pytest
import rispy
from django.core import mail
from playwright.sync_api import expect

from library.demo import minimal_pdf
from library.models import Resource
from tests.factories import UserFactory
from tests.library.factories import ResourceFactory, TopicFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TITLE = "Guía de fondos para clústeres"
HIDDEN_WORD = "ornitorrinco"  # only inside the PDF, never in the metadata


def test_upload_approve_find_filter_download_and_export(
    browser, live_server, moderator_with_totp, tmp_path
):
    financing = TopicFactory(slug="financing", name_en="Cluster financing")
    training = TopicFactory(slug="training-directors", name_en="Training of cluster directors")
    # Neighbours that the filters must leave out.
    ResourceFactory(title="Financing in English only", topics=[financing], languages=["en"])
    ResourceFactory(title="Training guide", topics=[training], languages=["es"])
    member = UserFactory(email="member@example.org", language="en")
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    pdf = tmp_path / "Guía fondos.pdf"
    pdf.write_bytes(minimal_pdf([TITLE, f"Anexo: el {HIDDEN_WORD} de los fondos mixtos."]))

    # --- The member proposes the resource -------------------------------------------------------
    member_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(member_context, live_server, member)
    page = member_context.new_page()
    page.goto("/library/propose/")
    page.get_by_label(re.compile(r"^Title")).fill(TITLE)
    page.get_by_label(re.compile(r"^Summary")).fill("Cómo combinar fondos públicos y privados.")
    page.get_by_label(re.compile(r"^Type")).select_option("guide")
    page.get_by_label("Cluster financing").check()
    page.get_by_label("Spanish", exact=True).check()
    page.get_by_label("Year").fill("2024")
    page.get_by_label("Authors").fill("Pérez, Ana María\nCEPAL")
    page.get_by_label("File", exact=True).set_input_files(str(pdf))
    page.get_by_role("button", name="Send for review").click()
    page.wait_for_url(re.compile(r"/library/mine/$"))
    expect(page.get_by_text("In review")).to_be_visible()
    resource = Resource.objects.get(title=TITLE)
    assert resource.status == "in_review"
    assert HIDDEN_WORD in resource.extracted_text  # processed after the commit

    # --- The moderator approves it in the queue -------------------------------------------------
    moderator_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(moderator_context, live_server, moderator_with_totp)
    mod = moderator_context.new_page()
    mod.goto("/moderation/?kind=resource")
    mod.get_by_role("link", name=TITLE).click()
    mod.get_by_role("button", name="Approve").click()
    mod.wait_for_url(re.compile(r"/moderation/"))
    resource.refresh_from_db()
    assert resource.status == "published"
    assert mail.outbox[-1].to == ["member@example.org"]

    # --- A visitor finds it by the word inside the PDF, then filters ------------------------------
    visitor_context = browser.new_context(
        locale="en-US", base_url=live_server.url, accept_downloads=True
    )
    visitor = visitor_context.new_page()
    visitor.goto("/library/")
    visitor.get_by_label("Search the library").fill(HIDDEN_WORD)
    visitor.get_by_role("button", name="Search", exact=True).click()
    visitor.wait_for_url(re.compile(rf"q={HIDDEN_WORD}"))
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    expect(visitor.get_by_text("1 resource", exact=True)).to_be_visible()

    visitor.goto("/library/")
    visitor.get_by_role("checkbox", name=re.compile("Cluster financing")).check()
    expect(visitor.get_by_role("link", name="Training guide")).to_have_count(0)
    visitor.get_by_role("checkbox", name=re.compile("^Spanish")).check()
    visitor.wait_for_url(re.compile(r"topic=financing.*language=es|language=es.*topic=financing"))
    expect(visitor.get_by_role("link", name="Financing in English only")).to_have_count(0)
    expect(visitor.get_by_role("link", name=TITLE)).to_be_visible()
    filtered_url = visitor.url

    # --- It downloads the file, then exports the filtered list as RIS -----------------------------
    visitor.get_by_role("link", name=TITLE).click()
    with visitor.expect_download() as download_info:
        visitor.get_by_role("link", name=re.compile(r"^Download \(PDF")).click()
    download = download_info.value
    assert download.suggested_filename == "Guía fondos.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF-")
    resource.refresh_from_db()
    assert resource.download_count == 1

    visitor.goto(filtered_url)
    with visitor.expect_download() as export_info:
        visitor.get_by_role("link", name="RIS").click()
    export = export_info.value
    assert export.suggested_filename == "library.ris"
    entries = rispy.loads(Path(export.path()).read_text(encoding="utf-8"))
    assert [e["title"] for e in entries] == [TITLE]
    assert entries[0]["authors"] == ["Pérez, Ana María", "CEPAL"]
    assert entries[0]["year"] == "2024"

    for context in (member_context, moderator_context, visitor_context):
        context.close()
