"""The calendar (filters, fixed query count), members' secret ICS feeds, and the staff pages."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from icalendar import Calendar

from community.meetings.models import Meeting, MeetingFeedToken

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def past(days: int, **kwargs) -> Meeting:
    start = timezone.now() - timedelta(days=days)
    return MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=2), **kwargs)


def test_the_calendar_lists_upcoming_and_past_meetings_by_kind(client):
    webinar = MeetingFactory(kind="webinar", title_en="Digital economy webinar")
    workshop = MeetingFactory(kind="workshop", title_en="Financing workshop")
    old = past(30, title_en="Old community meeting", status="held")
    draft = MeetingFactory(published_at=None, title_en="Secret draft")

    page = client.get("/en/meetings/", **EN).content.decode()
    assert webinar.title_en in page and workshop.title_en in page
    assert old.title_en not in page and draft.title_en not in page

    page = client.get("/en/meetings/?kind=webinar", **EN).content.decode()
    assert webinar.title_en in page and workshop.title_en not in page

    page = client.get("/en/meetings/?when=past", **EN).content.decode()
    assert old.title_en in page and webinar.title_en not in page
    assert client.get("/en/meetings/?kind=nonsense", **EN).status_code == 200


def test_the_calendar_uses_a_fixed_number_of_queries(client):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/en/meetings/", **EN).status_code == 200
        return len(queries)

    MeetingFactory()
    few = count()
    for _i in range(15):
        meeting = MeetingFactory()
        RegistrationFactory(meeting=meeting)
    assert count() == few


def test_a_meeting_page_shows_the_organisers_local_time(client, member):
    member.language, member.time_zone = "en", "America/Mexico_City"
    member.save()
    meeting = MeetingFactory(
        starts_at=datetime(2030, 6, 4, 15, tzinfo=UTC),
        ends_at=datetime(2030, 6, 4, 17, tzinfo=UTC),
        organiser_time_zone="America/Santiago",
    )
    client.force_login(member)
    page = client.get(meeting.get_absolute_url()).content.decode()
    assert "9 a.m." in page  # the reader's time in Mexico City
    assert "Organiser's local time:" in page and "11 a.m." in page  # Santiago


def test_a_members_feed_holds_the_meetings_they_hold_a_seat_at(client, member):
    mine = MeetingFactory(title_en="Mine")
    cancelled = MeetingFactory(title_en="Cancelled one", status="cancelled")
    waiting = MeetingFactory(title_en="Waiting")
    MeetingFactory(title_en="Not mine")
    for meeting in (mine, cancelled):
        RegistrationFactory(meeting=meeting, user=member, email=member.email)
    RegistrationFactory(
        meeting=waiting, user=member, email=member.email, status="waitlisted", waitlist_position=1
    )
    member.language = "en"
    member.save()
    client.force_login(member)
    page = client.get("/en/meetings/mine/", **EN).content.decode()
    token = MeetingFeedToken.objects.get(user=member).token
    assert f"/meetings/feed/{token}.ics" in page

    client.logout()  # calendar programs have no session: the address is the secret
    response = client.get(f"/meetings/feed/{token}.ics")
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    assert "METHOD" not in calendar
    events = {str(e["SUMMARY"]): e for e in calendar.walk("VEVENT")}
    assert set(events) == {"Mine", "Cancelled one"}
    assert events["Cancelled one"]["STATUS"] == "CANCELLED"
    assert str(events["Mine"]["UID"]) == f"meeting-{mine.pk}@testserver"
    assert events["Mine"].decoded("DTSTART") == mine.starts_at
    assert mine.online_link in str(events["Mine"]["LOCATION"])

    client.force_login(member)
    assert client.post("/meetings/mine/feed/reset/").status_code == 302
    client.logout()
    assert client.get(f"/meetings/feed/{token}.ics").status_code == 404
    new = MeetingFeedToken.objects.get(user=member).token
    assert new != token and client.get(f"/meetings/feed/{new}.ics").status_code == 200


def test_staff_pages_are_for_moderators(client, member):
    meeting = MeetingFactory()
    urls = ["/meetings/staff/", "/meetings/staff/new/", f"/meetings/staff/{meeting.pk}/"]
    for url in urls:
        assert client.get(url).status_code == 302  # to the sign-in page
    client.force_login(member)
    for url in urls:
        assert client.get(f"/en{url}").status_code == 403  # the member reads English
    assert client.post(f"/meetings/staff/{meeting.pk}/cancel/").status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == "scheduled"


def test_a_moderator_creates_then_publishes_a_meeting(client, moderator_with_totp):
    client.force_login(moderator_with_totp)
    response = client.post(
        "/meetings/staff/new/",
        {
            "title_es": "Taller de evaluación de impacto",
            "title_en": "Impact evaluation workshop",
            "description_es": "Cómo **medir** lo que logra un clúster.",
            "kind": "workshop",
            "format": "online",
            "organiser_time_zone": "America/Bogota",
            "starts_local": "2030-05-20T10:00",
            "ends_local": "2030-05-20T12:00",
            "deadline_local": "2030-05-19T18:00",
            "online_link": "https://meet.example.org/impact",
            "capacity": "40",
        },
    )
    assert response.status_code == 302
    meeting = Meeting.objects.get()
    assert meeting.starts_at == datetime(2030, 5, 20, 15, tzinfo=UTC)  # Bogotá is UTC-5
    assert meeting.registration_deadline == datetime(2030, 5, 19, 23, tzinfo=UTC)
    assert meeting.published_at is None
    assert client.get(meeting.get_absolute_url()).status_code == 200  # staff preview
    client.post(f"/meetings/staff/{meeting.pk}/publish/")
    meeting.refresh_from_db()
    assert meeting.published_at is not None


def test_the_staff_form_refuses_an_end_before_the_start(client, moderator_with_totp):
    client.force_login(moderator_with_totp)
    response = client.post(
        "/meetings/staff/new/",
        {
            "title_es": "Encuentro",
            "kind": "community",
            "format": "in_person",
            "organiser_time_zone": "America/Lima",
            "starts_local": "2030-05-20T10:00",
            "ends_local": "2030-05-20T09:00",
            "online_link": "javascript:alert(1)",
        },
        **EN,
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "The meeting must end after it starts." in page
    assert "Say where people meet in person." in page
    assert not Meeting.objects.exists()


def test_the_home_page_shows_upcoming_meetings(client):
    MeetingFactory(title_en="Upcoming on the home page")
    page = client.get("/en/", **EN).content.decode()
    assert "Upcoming on the home page" in page


def test_the_admin_lists_and_edits_meetings(client, moderator_with_totp):
    moderator_with_totp.is_staff = moderator_with_totp.is_superuser = True
    moderator_with_totp.save()
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting)
    client.force_login(moderator_with_totp)
    for url in (
        "/admin/meetings/meeting/",
        "/admin/meetings/meeting/add/",
        f"/admin/meetings/meeting/{meeting.pk}/change/",
        "/admin/meetings/registration/",
        "/admin/meetings/noticedelivery/",
    ):
        assert client.get(url).status_code == 200, url
