"""Opportunities in Chromium: a member proposes a funding call with its terms as a PDF, a moderator
approves it in the queue, and a visitor filters "closing soon" by country and downloads the
iCalendar of those deadlines."""

import datetime as dt
import re
import zoneinfo

import pytest
from django.core import mail
from django.utils import timezone
from icalendar import Calendar
from playwright.sync_api import expect

from initiatives.opportunities.models import Opportunity
from tests.factories import SectorFactory
from tests.library.factories import pdf_bytes

from .test_registry_journey import sign_in_as

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_propose_approve_filter_closing_soon_and_download_the_calendar(
    browser, live_server, page, member, moderator_with_totp, tmp_path
):
    SectorFactory(slug="agrifood", name_es="Agroalimentario", name_en="Agrifood")
    member.language = moderator_with_totp.language = "en"
    member.save()
    moderator_with_totp.save()
    terms = tmp_path / "Bases del fondo.pdf"
    terms.write_bytes(pdf_bytes("Bases del fondo andino"))
    zone = zoneinfo.ZoneInfo(member.time_zone)
    now = timezone.now().astimezone(zone).replace(second=0, microsecond=0)
    closes = now + dt.timedelta(days=4, hours=3)

    # --- The member proposes it -------------------------------------------------------------------
    member_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(member_context, live_server, member)
    proposer = member_context.new_page()
    proposer.goto("/en/opportunities/")
    proposer.get_by_role("link", name="Propose an opportunity").click()
    proposer.get_by_label("Language you write in").select_option("es")
    proposer.get_by_label(re.compile(r"^Title")).fill(
        "Fondo andino para clústeres agroalimentarios"
    )
    proposer.get_by_label("Description").fill("Donaciones para **clústeres** del agro.")
    proposer.get_by_label("Kind").select_option("grant")
    proposer.get_by_label("Organiser").fill("CAF")
    proposer.get_by_label("Countries eligible").select_option(["EC", "PE"])
    proposer.get_by_label("Agrifood").check()
    proposer.get_by_label("Amount").fill("80000")
    proposer.get_by_label("Currency").select_option("USD")
    proposer.get_by_label("Opens").fill((now - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    proposer.get_by_label("Closes").fill(closes.strftime("%Y-%m-%dT%H:%M"))
    proposer.get_by_label("Link to the call").fill("https://example.org/fondo")
    proposer.get_by_label("Documents").set_input_files(str(terms))
    proposer.get_by_role("button", name="Send the proposal").click()
    expect(proposer.get_by_text("Thank you. Your proposal is with the moderators")).to_be_visible()
    expect(proposer.get_by_text("Waiting for a moderator")).to_be_visible()
    opportunity = Opportunity.objects.get()
    assert opportunity.status == "pending" and opportunity.closes_at == closes
    assert mail.outbox[-1].to == [member.email]

    # --- Not public yet -----------------------------------------------------------------------------
    assert page.goto(opportunity.get_absolute_url()).status == 404

    # --- The moderator approves it in the queue ------------------------------------------------------
    moderator_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(moderator_context, live_server, moderator_with_totp)
    moderator = moderator_context.new_page()
    moderator.goto("/moderation/")
    moderator.get_by_role("link", name="Fondo andino para clústeres agroalimentarios").click()
    expect(moderator.get_by_text("Donaciones para **clústeres** del agro.")).to_be_visible()
    moderator.get_by_role("button", name="Approve").click()
    moderator.wait_for_url(re.compile(r"/moderation/"))
    opportunity.refresh_from_db()
    assert opportunity.status == "published"
    assert mail.outbox[-1].to == [member.email] and "Approved" in mail.outbox[-1].subject

    # --- A visitor filters "closing soon" in Ecuador and takes the deadlines ---------------------------
    page.goto("/opportunities/")
    page.get_by_label("Cuándo").select_option("soon")
    page.get_by_label("País").select_option("EC")
    page.get_by_role("button", name="Filtrar").click()
    page.wait_for_url(re.compile(r"when=soon"))
    expect(
        page.get_by_role("link", name="Fondo andino para clústeres agroalimentarios")
    ).to_be_visible()
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("iCalendar")).click()
    download = download_info.value
    assert download.suggested_filename == "opportunity-deadlines.ics"
    calendar = Calendar.from_ical(download.path().read_bytes())
    (event,) = calendar.walk("VEVENT")
    assert "Fondo andino para clústeres agroalimentarios" in str(event["summary"])
    assert event.decoded("dtstart") == closes

    # --- Peru's list has it too; Chile's does not ------------------------------------------------------
    page.goto("/opportunities/?when=soon&country=CL")
    expect(page.get_by_text("Fondo andino para clústeres agroalimentarios")).to_have_count(0)
    page.goto(opportunity.get_absolute_url())
    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Bases del fondo.pdf").click()
    assert pdf_info.value.suggested_filename == "Bases del fondo.pdf"
