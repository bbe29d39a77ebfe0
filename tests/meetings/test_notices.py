"""Notices by Celery, with time travel: reminders 24 h and 1 h before, updates with a higher
SEQUENCE, cancellations with METHOD:CANCEL, announcements; each once per person and kind."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import formats, translation
from icalendar import Calendar

from community.meetings import hooks, notices, services, tasks
from community.meetings.models import NoticeDelivery
from iapt_platform.accounts import roles
from tests.factories import UserFactory

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

START = datetime(2030, 3, 10, 15, 0, tzinfo=UTC)


def local_time(value: datetime, *, language: str, zone: str) -> str:
    """How an email in `language` for a reader in `zone` writes `value`."""
    with translation.override(language):
        return formats.date_format(value.astimezone(ZoneInfo(zone)), "DATETIME_FORMAT")


def ics_of(message) -> Calendar:
    [(_name, content, _type)] = [a for a in message.attachments if a[0].endswith(".ics")]
    return Calendar.from_ical(content)


@pytest.fixture
def people(english_member):
    """A meeting at START with an English member in Jamaica and a Brazilian visitor registered,
    plus someone on the waitlist and someone who cancelled."""
    meeting = MeetingFactory(
        starts_at=START,
        ends_at=START + timedelta(hours=2),
        capacity=2,
        published_at=START - timedelta(days=30),
    )
    member = RegistrationFactory(
        meeting=meeting,
        user=english_member,
        email=english_member.email,
        name="Andrea Clarke",
        language="en",
        time_zone="America/Jamaica",
    )
    visitor = RegistrationFactory(
        meeting=meeting,
        name="João Pereira",
        email="joao@example.com.br",
        language="pt-br",
        time_zone="America/Sao_Paulo",
    )
    waiting = RegistrationFactory(meeting=meeting, status="waitlisted", waitlist_position=1)
    gone = RegistrationFactory(meeting=meeting, status="cancelled")
    return meeting, member, visitor, waiting, gone


def remind_at(moment: datetime, committed) -> list:
    mail.outbox.clear()
    with time_machine.travel(moment, tick=False), committed():
        tasks.dispatch_due_reminders()
    return list(mail.outbox)


def test_reminders_go_out_24h_and_1h_before_once_each_to_registered_people_only(people, committed):
    meeting, member, visitor, _waiting, _gone = people

    assert remind_at(START - timedelta(hours=24, minutes=5), committed) == []

    sent = remind_at(START - timedelta(hours=23, minutes=58), committed)
    assert sorted(m.to[0] for m in sent) == sorted([member.email, visitor.email])
    by_address = {m.to[0]: m for m in sent}
    english, portuguese = by_address[member.email], by_address[visitor.email]
    # In each person's language and time zone: 10:00 in Kingston, 12:00 in São Paulo.
    assert english.subject == f"Tomorrow: {meeting.title_en}"
    assert english.extra_headers["Content-Language"] == "en"
    assert local_time(START, language="en", zone="America/Jamaica") in english.body
    assert "(America/Jamaica)" in english.body
    assert portuguese.extra_headers["Content-Language"] == "pt-br"
    assert meeting.title_pt_br in portuguese.subject
    assert local_time(START, language="pt-br", zone="America/Sao_Paulo") in portuguese.body
    assert "12:00" in portuguese.body
    assert "(America/Sao_Paulo)" in portuguese.body
    assert meeting.online_link in english.body

    # Beat runs every five minutes: the next ticks send nothing again.
    assert remind_at(START - timedelta(hours=23, minutes=53), committed) == []
    assert remind_at(START - timedelta(hours=2), committed) == []

    sent = remind_at(START - timedelta(minutes=58), committed)
    assert sorted(m.to[0] for m in sent) == sorted([member.email, visitor.email])
    assert all("In one hour" in m.subject for m in sent if m.to == [member.email])
    assert remind_at(START - timedelta(minutes=53), committed) == []
    assert remind_at(START + timedelta(minutes=1), committed) == []

    kinds = sorted(NoticeDelivery.objects.values_list("registration__email", "kind"))
    assert kinds == sorted(
        [
            (member.email, "reminder_24h"),
            (member.email, "reminder_1h"),
            (visitor.email, "reminder_24h"),
            (visitor.email, "reminder_1h"),
        ]
    )


def test_someone_who_registers_within_the_last_day_gets_no_24h_reminder(people, committed):
    meeting, _member, _visitor, *_rest = people
    late = RegistrationFactory(meeting=meeting, created_at=START - timedelta(hours=3))
    sent = remind_at(START - timedelta(hours=23), committed)
    assert late.email not in {m.to[0] for m in sent}
    sent = remind_at(START - timedelta(minutes=30), committed)
    assert late.email in {m.to[0] for m in sent}


def test_a_late_beat_sends_only_the_1h_reminder(people, committed):
    sent = remind_at(START - timedelta(minutes=40), committed)
    assert len(sent) == 2
    assert set(NoticeDelivery.objects.values_list("kind", flat=True)) == {"reminder_1h"}


def test_moving_the_meeting_sends_one_update_with_a_higher_sequence(
    people, moderator_with_totp, client, committed
):
    meeting, member, visitor, _waiting, _gone = people
    with time_machine.travel(START - timedelta(days=5), tick=False):
        client.force_login(moderator_with_totp)  # a session of that day
        form = {
            "title_es": meeting.title_es,
            "title_en": meeting.title_en,
            "kind": meeting.kind,
            "format": meeting.format,
            "organiser_time_zone": "America/Santiago",
            # 13:00 in Santiago (UTC-3 in March) is 16:00 UTC: one hour later than before.
            "starts_local": "2030-03-10T13:00",
            "ends_local": "2030-03-10T15:00",
            "online_link": meeting.online_link,
            "capacity": "2",
        }
        with committed():
            response = client.post(f"/meetings/staff/{meeting.pk}/edit/", form)
        assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert meeting.starts_at == datetime(2030, 3, 10, 16, 0, tzinfo=UTC)
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, visitor.email])
    for message in mail.outbox:
        calendar = ics_of(message)
        assert calendar["METHOD"] == "REQUEST"
        [event] = calendar.walk("VEVENT")
        assert event["SEQUENCE"] == 1
        assert event.decoded("DTSTART") == datetime(2030, 3, 10, 16, 0, tzinfo=UTC)
        assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
    english = next(m for m in mail.outbox if m.to == [member.email])
    assert english.subject == f"Changed: {meeting.title_en}"
    assert local_time(meeting.starts_at, language="en", zone="America/Jamaica") in english.body

    # A retried task sends nothing more; saving without a change sends nothing either.
    mail.outbox.clear()
    with committed():
        tasks.send_update_notices(meeting.pk, 1)
    assert mail.outbox == []
    with time_machine.travel(START - timedelta(days=5), tick=False), committed():
        form["place"] = "Sala 3"
        client.post(f"/meetings/staff/{meeting.pk}/edit/", form)
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert mail.outbox == []


def test_a_stale_update_task_defers_to_the_later_one(people, committed):
    meeting, *_rest = people
    meeting.sequence = 3
    meeting.save()
    assert notices.notices_update(meeting_id=meeting.pk, sequence=2) == 0


def test_cancelling_the_meeting_sends_method_cancel(people, committed):
    meeting, member, visitor, waiting, _gone = people
    with time_machine.travel(START - timedelta(days=2), tick=False), committed():
        services.meeting_cancel(meeting=meeting)
    meeting.refresh_from_db()
    assert meeting.status == "cancelled" and meeting.sequence == 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {member.email, visitor.email, waiting.email}
    for address in (member.email, visitor.email):
        calendar = ics_of(by_address[address])
        assert calendar["METHOD"] == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert event["SEQUENCE"] == 1 and event["STATUS"] == "CANCELLED"
        assert str(event["UID"]) == f"meeting-{meeting.pk}@testserver"
    assert not [a for a in by_address[waiting.email].attachments if a[0].endswith(".ics")]
    assert by_address[member.email].subject == f"Cancelled: {meeting.title_en}"
    # No reminders for a cancelled meeting.
    assert remind_at(START - timedelta(minutes=30), committed) == []
    with pytest.raises(services.RegistrationRefused):
        services.meeting_cancel(meeting=meeting)


def test_publishing_announces_to_members_once(committed, english_member):
    promoter_only = UserFactory(roles=[roles.PROMOTER])
    inactive = UserFactory(is_active=False)
    meeting = MeetingFactory(published_at=None)
    heard = []
    hooks.on_announce_to_subscribers(heard.append)
    try:
        with committed():
            services.meeting_publish(meeting=meeting, notify_subscribers=True)
        addresses = {m.to[0] for m in mail.outbox}
        assert english_member.email in addresses
        assert promoter_only.email not in addresses and inactive.email not in addresses
        english = next(m for m in mail.outbox if m.to == [english_member.email])
        assert english.subject == f"New meeting: {meeting.title_en}"
        assert meeting.online_link not in english.body  # the link is for registered people
        assert heard == [meeting]
        count = len(mail.outbox)
        with committed():
            services.meeting_publish(meeting=meeting)
            tasks.announce_meeting(meeting.pk)
        assert len(mail.outbox) == count
    finally:
        hooks._subscriber_announcers.remove(heard.append)


NOTE = "La sede cambió: la reprogramaremos en abril.\nPreguntas <b>aquí</b> & 'allá'."


def test_the_cancellation_form_sends_the_organisers_note_to_each_attendee(
    client, people, moderator_with_totp, committed
):
    meeting, member, visitor, waiting, _gone = people
    client.force_login(moderator_with_totp)
    form = client.get(f"/en/meetings/staff/{meeting.pk}/cancel/", HTTP_ACCEPT_LANGUAGE="en")
    page = form.content.decode()
    assert 'name="note"' in page and "Note to the attendees" in page
    with committed():
        response = client.post(
            f"/meetings/staff/{meeting.pk}/cancel/",
            {"note": f"  {NOTE}  ", "note_language": "es"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancellation_note) == ("cancelled", NOTE)
    assert meeting.cancellation_note_language == "es"
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {member.email, visitor.email, waiting.email}
    for address, message in by_address.items():
        html = message.alternatives[0][0]
        # The text part keeps the note as written; the HTML part shows it as escaped text.
        assert NOTE in message.body, address
        assert "Preguntas &lt;b&gt;aquí&lt;/b&gt; &amp; 'allá'." in html, address
        assert "<b>aquí</b>" not in html
    english = by_address[member.email]
    assert english.extra_headers["Content-Language"] == "en"
    assert english.subject == f"Cancelled: {meeting.title_en}"
    assert "Note from the organisers (in Spanish):" in english.body
    assert "We are sorry: this meeting is cancelled." in english.body
    portuguese = by_address[visitor.email]
    assert portuguese.extra_headers["Content-Language"] == "pt-br"
    assert portuguese.subject == f"Cancelada: {meeting.title_pt_br}"
    # The cancelled meeting's page shows the note too.
    public = client.get(meeting.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Note from the organisers (in Spanish):" in public
    assert "Preguntas &lt;b&gt;aquí&lt;/b&gt;" in public


def test_a_cancellation_without_a_note_says_nothing_of_one(people, committed):
    meeting, member, *_rest = people
    with time_machine.travel(START - timedelta(days=2), tick=False), committed():
        services.meeting_cancel(meeting=meeting)
    message = next(m for m in mail.outbox if m.to == [member.email])
    assert "Note from the organisers" not in message.body
    assert "Note from the organisers" not in message.alternatives[0][0]


# --- With the broker away ------------------------------------------------------------------------
# Nothing sweeps up a lost announcement, update or cancellation (beat sends reminders only), so
# each of these tasks runs in the request that saved the change rather than being lost.
def test_an_update_saved_while_the_broker_is_away_still_reaches_registered_people(
    people, broker_down, committed
):
    meeting, member, visitor, _waiting, _gone = people
    previous = services.MeetingSnapshot.of(meeting)
    meeting.starts_at += timedelta(hours=1)
    meeting.ends_at += timedelta(hours=1)
    with time_machine.travel(START - timedelta(days=5), tick=False), committed():
        notified = services.meeting_update(meeting=meeting, previous=previous, initiatives=[])

    assert notified
    meeting.refresh_from_db()
    assert meeting.sequence == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted([member.email, visitor.email])


def test_an_announcement_published_while_the_broker_is_away_still_reaches_members(
    english_member, broker_down, committed
):
    meeting = MeetingFactory(published_at=None)
    with committed():
        services.meeting_publish(meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.is_published
    assert english_member.email in {m.to[0] for m in mail.outbox}


def test_a_cancellation_saved_while_the_broker_is_away_still_reaches_everyone(
    people, broker_down, committed
):
    meeting, member, visitor, waiting, _gone = people
    with time_machine.travel(START - timedelta(days=2), tick=False), committed():
        services.meeting_cancel(meeting=meeting)

    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert {m.to[0] for m in mail.outbox} == {member.email, visitor.email, waiting.email}
