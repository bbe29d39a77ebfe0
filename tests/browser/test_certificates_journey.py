"""Certificates in Chromium: an attendee of an ended training downloads their certificate from
the meeting page, opens the verification address printed in it and sees it confirmed, in
Spanish, English and Brazilian Portuguese; the same address with one character changed says
not found."""

import re
from datetime import timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.utils import timezone
from playwright.sync_api import expect

from community.meetings.models import Certificate, Meeting, Registration
from tests.browser.test_meetings_journey import sign_in_as
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PREFIX = {"es": "", "en": "/en", "pt-br": "/pt-br"}
TITLE = {
    "es": "Formación de gerentes: evaluación de impacto",
    "en": "Training for directors: impact evaluation",
    "pt-br": "Formação de gestores: avaliação de impacto",
}


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_an_attendee_downloads_and_verifies_the_certificate(
    browser, live_server, settings, tmp_path, language
):
    settings.SITE_URL = live_server.url  # the address printed in the PDF, opened below
    starts = timezone.now() - timedelta(days=3)
    meeting = Meeting.objects.create(
        slug="formacion-impacto",
        title_es=TITLE["es"],
        title_en=TITLE["en"],
        title_pt_br=TITLE["pt-br"],
        kind=Meeting.Kind.TRAINING,
        starts_at=starts,
        ends_at=starts + timedelta(hours=2),
        status=Meeting.Status.HELD,
        published_at=starts - timedelta(days=10),
        is_training=True,
        training_hours=Decimal("2"),
    )
    user = UserFactory(display_name="Łucja Ñáñez Øberg", language=language)
    Registration.objects.create(
        meeting=meeting,
        user=user,
        name=user.display_name,
        email=user.email,
        attended=True,
        status=Registration.Status.REGISTERED,
    )
    context = browser.new_context(locale="en-US", base_url=live_server.url, accept_downloads=True)
    sign_in_as(context, live_server, user)
    page = context.new_page()

    page.goto(f"{PREFIX[language]}/meetings/{meeting.slug}/")
    link = page.locator(f"a[href$='/meetings/{meeting.slug}/certificate/']")
    expect(link).to_be_visible()
    with page.expect_download() as download_info:
        link.click()
    download = download_info.value

    assert re.fullmatch(r"certific\w+-formacion-impacto\.pdf", download.suggested_filename)
    # The download's headers, asked again with the same session (a download is no page response).
    response = context.request.get(link.get_attribute("href") or "")
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.headers["content-disposition"].startswith("attachment;")
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    document = pdfium.PdfDocument(str(saved))
    text = document[0].get_textpage().get_text_range()
    document.close()
    assert "Łucja Ñáñez Øberg" in text and TITLE[language] in text
    [address] = re.findall(r"http://\S+/meetings/certificates/\S+/", "".join(text.split()))
    code = Certificate.objects.get().code
    assert address == f"{live_server.url}{PREFIX[language]}/meetings/certificates/{code}/"

    verification = page.goto(address)
    assert verification is not None and verification.status == 200
    expect(page.locator("html")).to_have_attribute("lang", re.compile(language, re.I))
    expect(page.locator(".certificate-status")).to_be_visible()
    expect(page.get_by_text("Łucja Ñáñez Øberg")).to_be_visible()
    expect(page.get_by_role("link", name=TITLE[language])).to_be_visible()
    expect(page.get_by_text(code)).to_be_visible()
    if language == "en":
        expect(page.get_by_text("Valid certificate.")).to_be_visible()

    forged = address[:-2] + ("x" if address[-2] != "x" else "y") + "/"
    answer = page.goto(forged)
    assert answer is not None and answer.status == 404
    expect(page.get_by_text("Łucja Ñáñez Øberg")).to_have_count(0)
    if language == "en":
        expect(page.get_by_text("Not found: no certificate has this code.")).to_be_visible()
    context.close()
