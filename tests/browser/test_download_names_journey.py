"""In Chromium: a member attaches a PDF sent as `report.html` and another as `invoice.pdf.exe`;
the thread shows, and the browser saves, `report.pdf` and `invoice.pdf`."""

import pytest
from playwright.sync_api import expect

from community import services
from community.models import Thread
from tests.community import factories
from tests.community.conftest import pdf_bytes
from tests.factories import UserFactory

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_attachments_are_saved_under_the_name_of_what_they_are(
    browser, live_server, monkeypatch, tmp_path
):
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)
    factories.category("financing")
    alice = UserFactory(email="alice@example.org", display_name="Alicia Núñez", language="en")
    factories.profile(alice, handle="alicia")
    report = tmp_path / "report.html"
    report.write_bytes(pdf_bytes() + b"<html><script>alert(document.domain)</script></html>")
    invoice = tmp_path / "invoice.pdf.exe"
    invoice.write_bytes(pdf_bytes())

    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    context.set_default_timeout(10_000)
    sign_in_as(context, live_server, alice)
    page = context.new_page()
    page.goto("/community/c/financing/new/")
    page.get_by_label("Title").fill("Minutes and invoice")
    page.get_by_label("Message").fill("Both documents of the meeting.")
    page.get_by_label("Attachments").set_input_files([str(report), str(invoice)])
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Minutes and invoice")

    attachments = page.get_by_role("list", name="Attachments")
    expect(attachments.get_by_role("link")).to_have_text(["report.pdf", "invoice.pdf"])
    saved = []
    for name in ("report.pdf", "invoice.pdf"):
        with page.expect_download() as download:
            attachments.get_by_role("link", name=name).click()
        saved.append(download.value.suggested_filename)
    assert saved == ["report.pdf", "invoice.pdf"]
    assert Thread.objects.filter(title="Minutes and invoice").exists()
    context.close()
