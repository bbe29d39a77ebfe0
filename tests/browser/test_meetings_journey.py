"""The meetings journey in Chromium: a moderator creates a meeting with two seats, two members
register, a visitor lands on the waitlist, a member cancels, and the visitor is promoted and
emailed; every calendar invitation parses and carries the right UTC times and a stable UID."""

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from icalendar import Calendar
from playwright.sync_api import expect

from community.meetings.models import Meeting, Registration
from iapt_platform.accounts import roles
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

START_UTC = datetime(2030, 5, 20, 15, 0, tzinfo=UTC)  # 10:00 in Bogotá
END_UTC = datetime(2030, 5, 20, 17, 0, tzinfo=UTC)


def sign_in_as(context, live_server, user) -> None:
    """A session cookie for `user` (the sign-in form has its own journey)."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    context.add_cookies(
        [{"name": "sessionid", "value": session.session_key, "url": live_server.url}]
    )


def invitations(address: str) -> list[Calendar]:
    return [
        Calendar.from_ical(content)
        for message in mail.outbox
        if message.to == [address]
        for name, content, _type in message.attachments
        if name.endswith(".ics")
    ]


def confirmation_link(address: str) -> str:
    """The link of the last confirmation email to `address`, as the person would open it."""
    [*_earlier, message] = [
        m for m in mail.outbox if m.to == [address] and m.subject.startswith("Confirm")
    ]
    [path] = re.findall(r"/meetings/registration/[^/\s]+/confirm/", message.body)
    return path


def test_a_visitor_confirms_from_the_email_and_sees_the_seat(browser, live_server):
    meeting = Meeting.objects.create(
        slug="taller",
        title_es="Taller",
        title_en="Workshop on financing",
        starts_at=START_UTC,
        ends_at=END_UTC,
        published_at=START_UTC,
        capacity=5,
        online_link="https://meet.example.org/taller",
    )
    context = browser.new_context(locale="en-US", base_url=live_server.url)
    page = context.new_page()
    page.goto(meeting.get_absolute_url())
    expect(page.get_by_text("5 left")).to_be_visible()
    form = page.locator("form", has=page.get_by_role("button", name="Register"))
    form.get_by_label(re.compile(r"^Name")).fill("Visit https://evil.example now")
    form.get_by_label(re.compile(r"^Email")).fill("rosa@example.net")
    form.get_by_label("Organisation").fill("Clúster Lácteo")
    form.get_by_label("Country").select_option("EC")
    form.get_by_label("Language of the emails").select_option("en")
    form.get_by_role("button", name="Register").click()
    expect(page.get_by_role("heading", name="Check your inbox")).to_be_visible()
    expect(page.get_by_text("No seat is held until you confirm.")).to_be_visible()
    [message] = mail.outbox
    assert message.to == ["rosa@example.net"] and "evil.example" not in message.body
    page.goto(meeting.get_absolute_url())
    expect(page.get_by_text("5 left")).to_be_visible()  # nothing held yet

    link = confirmation_link("rosa@example.net")
    page.goto(link)  # opening the link (as a scanner would) confirms nothing
    assert Registration.objects.get().status == "pending"
    page.get_by_role("button", name="Confirm my registration").click()
    expect(page.get_by_role("heading", name="Your registration is confirmed.")).to_be_visible()
    expect(page.get_by_text("You have a seat at this meeting.")).to_be_visible()
    expect(page.get_by_role("link", name="https://meet.example.org/taller")).to_be_visible()
    assert Registration.objects.get().status == "registered"
    page.goto(meeting.get_absolute_url())
    expect(page.get_by_text("4 left")).to_be_visible()
    page.goto(link)  # the link again: used, and says so
    expect(page.get_by_text("This link was already used")).to_be_visible()
    context.close()


def test_capacity_waitlist_cancel_and_promotion(browser, live_server, moderator_with_totp):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    first = UserFactory(email="first@example.org", display_name="Fernanda Ríos", language="en")
    second = UserFactory(email="second@example.org", display_name="Sergio Luna", language="en")
    for member in (first, second):
        roles.grant_role(member, roles.MEMBER)

    # --- The moderator creates the meeting on the staff page and publishes it -------------------
    staff_context = browser.new_context(locale="en-US", base_url=live_server.url)
    sign_in_as(staff_context, live_server, moderator_with_totp)
    staff = staff_context.new_page()
    staff.goto("/meetings/staff/")
    staff.get_by_role("link", name="New meeting").click()
    staff.get_by_label("Title in Spanish").fill("Taller de economía digital")
    staff.get_by_label("Title in English").fill("Digital economy workshop")
    staff.get_by_label(re.compile(r"^Kind")).select_option("workshop")
    staff.get_by_label("Format").select_option("online")
    staff.get_by_label("Organiser's time zone").select_option("America/Bogota")
    staff.get_by_label(re.compile(r"^Starts")).fill("2030-05-20T10:00")
    staff.get_by_label(re.compile(r"^Ends")).fill("2030-05-20T12:00")
    staff.get_by_label("Online link").fill("https://meet.example.org/digital")
    staff.get_by_label("Capacity").fill("2")
    staff.get_by_role("button", name="Save").click()
    staff.wait_for_url(re.compile(r"/meetings/staff/\d+/$"))
    staff.get_by_role("button", name="Publish the meeting").click()
    expect(staff.get_by_text("Published. Members are being told about it.")).to_be_visible()
    meeting = Meeting.objects.get()
    assert meeting.is_published and meeting.capacity == 2
    assert (meeting.starts_at, meeting.ends_at) == (START_UTC, END_UTC)
    url = meeting.get_absolute_url()
    mail.outbox.clear()  # the announcement to members

    # --- Two members register in one click ------------------------------------------------------
    pages = {}
    for member in (first, second):
        context = browser.new_context(locale="en-US", base_url=live_server.url)
        sign_in_as(context, live_server, member)
        page = context.new_page()
        page.goto(url)
        expect(page.get_by_text("2 seats")).to_be_visible()
        page.get_by_role("button", name="Register").click()
        expect(page.get_by_text("You are registered.", exact=True)).to_be_visible()
        expect(page.get_by_role("link", name="https://meet.example.org/digital")).to_be_visible()
        pages[member.email] = page

    # --- A visitor finds it full and joins the waitlist ---------------------------------------
    visitor_context = browser.new_context(locale="en-US", base_url=live_server.url)
    visitor = visitor_context.new_page()
    visitor.goto(url)
    expect(visitor.get_by_text("The meeting is full")).to_be_visible()
    assert visitor.get_by_text("https://meet.example.org/digital").count() == 0
    form = visitor.locator("form", has=visitor.get_by_role("button", name="Join the waitlist"))
    form.get_by_label(re.compile(r"^Name")).fill("Valeria Campos")
    form.get_by_label(re.compile(r"^Email")).fill("valeria@example.net")
    form.get_by_label("Organisation").fill("Clúster de Software de Costa Rica")
    form.get_by_label("Country").select_option("CR")
    form.get_by_label("Language of the emails").select_option("en")
    form.get_by_label("Your time zone").select_option("America/Costa_Rica")
    form.get_by_label("Gender (optional)").fill("Mujer")
    form.get_by_label("I agree that my gender").check()
    form.get_by_role("button", name="Join the waitlist").click()
    expect(visitor.get_by_role("heading", name="Check your inbox")).to_be_visible()
    assert Registration.objects.get(email="valeria@example.net").status == "pending"
    visitor.goto(confirmation_link("valeria@example.net"))
    visitor.get_by_role("button", name="Confirm my registration").click()
    expect(visitor.get_by_text("You are number 1 on the waitlist")).to_be_visible()
    waiting = Registration.objects.get(email="valeria@example.net")
    assert waiting.status == "waitlisted" and waiting.gender_category == "woman"

    # --- The first member cancels from the meeting page ----------------------------------------
    page = pages[first.email]
    page.goto(url)
    page.get_by_role("link", name="Cancel my registration").click()
    expect(page.get_by_role("heading", name="Cancel a registration")).to_be_visible()
    page.get_by_role("button", name="Cancel my registration").click()
    expect(
        page.get_by_text("Your registration for “Digital economy workshop” is cancelled.")
    ).to_be_visible()

    # --- The visitor is promoted and told, with an invitation ----------------------------------
    waiting.refresh_from_db()
    assert waiting.status == "registered" and waiting.promoted_at is not None
    assert Registration.objects.get(email=first.email).status == "cancelled"
    promoted = [m for m in mail.outbox if m.to == ["valeria@example.net"]][-1]
    assert promoted.subject == "A seat opened: you are registered for Digital economy workshop"
    assert "https://meet.example.org/digital" in promoted.body

    uid = f"meeting-{meeting.pk}@testserver"
    expected = {
        first.email: ["REQUEST", "CANCEL"],
        second.email: ["REQUEST"],
        "valeria@example.net": ["REQUEST"],
    }
    for address, methods in expected.items():
        calendars = invitations(address)
        assert [str(c["METHOD"]) for c in calendars] == methods
        for calendar in calendars:
            [event] = calendar.walk("VEVENT")
            assert str(event["UID"]) == uid
            assert event.decoded("DTSTART") == START_UTC
            assert event.decoded("DTEND") == END_UTC
            assert event["DTSTART"].to_ical() == b"20300520T150000Z"
            [attendee] = [event["ATTENDEE"]]
            assert str(attendee) == f"mailto:{address}"
    for context in [staff_context, visitor_context, *(p.context for p in pages.values())]:
        context.close()


AXE = (Path(__file__).resolve().parent.parent / "vendor" / "axe.min.js").read_text()
AXE_RUN = (
    "async () => (await axe.run(document, {runOnly: {type: 'tag', values: "
    "['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']}})).violations"
    ".map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(' ')).slice(0, 3)}))"
)


@pytest.mark.parametrize("locale", ["es-ES", "en-US", "pt-BR"])
def test_meeting_pages_have_no_serious_accessibility_violation(
    browser, live_server, moderator_with_totp, locale
):
    from community.meetings import demo

    demo.seed(lambda line: None)
    held = Meeting.objects.get(slug__startswith="encuentro-de-la-comunidad-de-programas")
    upcoming = Meeting.objects.get(slug="taller-financiamiento-de-clusteres")
    context = browser.new_context(locale=locale, base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    public = [
        "/meetings/",
        "/meetings/?when=past",
        upcoming.get_absolute_url(),
        held.get_absolute_url(),
    ]
    staff = [
        "/meetings/staff/",
        "/meetings/staff/new/",
        f"/meetings/staff/{held.pk}/",
        "/meetings/staff/statistics/",
        f"/meetings/staff/{held.pk}/statistics/",
    ]
    problems = []
    for index, path in enumerate(public + staff):
        if index == len(public):
            sign_in_as(context, live_server, moderator_with_totp)
        page.goto(path)
        page.evaluate(AXE)
        problems += [
            (path, v) for v in page.evaluate(AXE_RUN) if v["impact"] in ("serious", "critical")
        ]
    context.close()
    assert problems == []


def test_a_meeting_page_with_the_registration_form_stays_light(browser, live_server):
    meeting = Meeting.objects.create(
        slug="light",
        title="Encuentro",
        starts_at=START_UTC,
        ends_at=END_UTC,
        published_at=START_UTC,
    )
    context = browser.new_context(base_url=live_server.url)
    page = context.new_page()
    sizes: list[int] = []
    page.on("response", lambda response: sizes.append(len(response.body() or b"")))
    page.goto(meeting.get_absolute_url(), wait_until="networkidle")
    context.close()
    assert sum(sizes) < 200 * 1024
