"""Registering (members in one click, visitors with a form), the waitlist, cancelling from the
signed link, and the bad input each gets a clear message for."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core import mail, signing
from django.utils import timezone, translation
from icalendar import Calendar

from community.meetings import services
from community.meetings.models import Registration

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def visitor_data(**overrides):
    data = {
        "name": "Rosa Quishpe",
        "email": "Rosa@Example.NET",
        "organisation": "Asociación de Productores Lácteos",
        "country": "EC",
        "language": "en",
        "time_zone": "America/Guayaquil",
        "gender": "Mujer",
        "gender_consent": "on",
    }
    data.update(overrides)
    return data


def ics_of(message) -> Calendar:
    [(_name, content, mimetype)] = [a for a in message.attachments if a[0].endswith(".ics")]
    assert mimetype.startswith("text/calendar")
    return Calendar.from_ical(content)


def test_a_member_registers_in_one_click_and_gets_the_invitation(client, member, committed):
    member.language = "en"
    member.save()
    meeting = MeetingFactory(capacity=10)
    client.force_login(member)
    with committed():
        response = client.post(f"/meetings/{meeting.slug}/register/")
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.user == member
    assert registration.status == Registration.Status.REGISTERED
    assert registration.email == member.email
    assert registration.gender == "" and registration.gender_category == ""
    [message] = mail.outbox
    assert message.to == [member.email]
    assert message.subject == f"You are registered: {meeting.title_en}"
    assert meeting.online_link in message.body
    assert "/meetings/registration/" in message.body  # the cancellation link
    calendar = ics_of(message)
    assert calendar["METHOD"] == "REQUEST"


def test_the_online_link_shows_only_to_registered_people(client, member):
    meeting = MeetingFactory()
    response = client.get(meeting.get_absolute_url(), **EN)
    assert meeting.online_link not in response.content.decode()
    client.force_login(member)
    assert meeting.online_link not in client.get(meeting.get_absolute_url()).content.decode()
    RegistrationFactory(meeting=meeting, user=member, email=member.email)
    assert meeting.online_link in client.get(meeting.get_absolute_url()).content.decode()


def test_a_visitor_registers_with_the_form_and_a_consented_gender(client, committed):
    meeting = MeetingFactory()
    with committed():
        response = client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert registration.user is None
    assert registration.email == "rosa@example.net"
    assert (registration.gender, registration.gender_category) == ("Mujer", "woman")
    assert registration.gender_consent_at is not None
    assert registration.language == "en" and registration.time_zone == "America/Guayaquil"
    [ask] = mail.outbox
    assert ask.to == ["rosa@example.net"]
    assert ask.extra_headers["Content-Language"] == "en"
    path = ask.body.split(settings.SITE_URL, 1)[1].split()[0]
    mail.outbox.clear()
    with committed():
        client.post(path, **EN)
    registration.refresh_from_db()
    assert registration.status == "registered"
    [message] = mail.outbox
    assert message.to == ["rosa@example.net"]
    # Once the address confirmed, the greeting uses the name its owner gave.
    assert "Hello Rosa Quishpe," in message.body


def test_a_gender_without_consent_is_refused_and_nothing_is_saved(client):
    meeting = MeetingFactory()
    response = client.post(
        f"/meetings/{meeting.slug}/register/", visitor_data(gender_consent=""), **EN
    )
    assert response.status_code == 200
    assert "Tick this box to share your gender" in response.content.decode()
    assert 'value="Rosa Quishpe"' in response.content.decode()  # nothing typed is lost
    assert not Registration.objects.exists()
    assert mail.outbox == []


def test_prefer_not_to_say_keeps_no_gender(client):
    meeting = MeetingFactory()
    client.post(
        f"/meetings/{meeting.slug}/register/",
        visitor_data(gender="Mujer", gender_prefer_not="on", gender_consent=""),
        **EN,
    )
    registration = Registration.objects.get()
    assert registration.gender == "" and registration.gender_category == ""


def test_registration_after_the_deadline_is_refused_with_a_clear_message(client):
    meeting = MeetingFactory(registration_deadline=timezone.now() - timedelta(minutes=1))
    other = RegistrationFactory(meeting=meeting)
    response = client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    assert response.status_code == 409
    assert "The registration deadline for this meeting has passed." in response.content.decode()
    assert list(Registration.objects.all()) == [other]
    assert mail.outbox == []


def test_a_second_request_for_a_registered_address_changes_nothing(client, committed):
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory(meeting=meeting, email="rosa@example.net")
    before = list(Registration.objects.values())
    with committed():
        response = client.post(
            f"/meetings/{meeting.slug}/register/",
            visitor_data(email="Rosa@example.net", name="Otra Rosa"),
            **EN,
        )
    assert response.status_code == 302  # the same answer as for a new address
    assert list(Registration.objects.values()) == before  # no waitlist entry either
    assert [m.to for m in mail.outbox] == [["rosa@example.net"]]  # a reminder, to the owner
    assert "Otra Rosa" not in mail.outbox[0].body


def test_a_member_cannot_register_twice(client, member):
    meeting = MeetingFactory()
    client.force_login(member)
    client.post(f"/meetings/{meeting.slug}/register/")
    response = client.post(f"/meetings/{meeting.slug}/register/", **EN)
    assert response.status_code == 409
    assert Registration.objects.count() == 1


def test_a_full_meeting_puts_people_on_the_waitlist_and_promotes_the_first(committed):
    meeting = MeetingFactory(capacity=1)
    registrant = services.Registrant
    with committed():
        first = services.registration_create(
            meeting=meeting, registrant=registrant(name="Ana", email="ana@example.net")
        )
        second = services.registration_create(
            meeting=meeting, registrant=registrant(name="Bea", email="bea@example.net")
        )
        third = services.registration_create(
            meeting=meeting, registrant=registrant(name="Cleo", email="cleo@example.net")
        )
    assert first.status == "registered"
    assert (second.status, second.waitlist_position) == ("waitlisted", 1)
    assert (third.status, third.waitlist_position) == ("waitlisted", 2)
    assert services.waitlist_rank(third) == 2
    waitlist_mail = mail.outbox[1]
    assert not [a for a in waitlist_mail.attachments if a[0].endswith(".ics")]
    assert meeting.online_link not in waitlist_mail.body
    mail.outbox.clear()

    with committed():
        promoted = services.registration_cancel(registration=first)
    assert promoted == [second]
    second.refresh_from_db()
    third.refresh_from_db()
    assert (second.status, second.waitlist_position) == ("registered", None)
    assert second.promoted_at is not None
    assert third.status == "waitlisted" and services.waitlist_rank(third) == 1
    to = {m.to[0]: m for m in mail.outbox}
    assert set(to) == {"ana@example.net", "bea@example.net"}
    assert ics_of(to["ana@example.net"])["METHOD"] == "CANCEL"
    assert ics_of(to["bea@example.net"])["METHOD"] == "REQUEST"
    assert meeting.online_link in to["bea@example.net"].body


def test_raising_the_capacity_promotes_from_the_waitlist(committed):
    meeting = MeetingFactory(capacity=1)
    RegistrationFactory(meeting=meeting)
    waiting = RegistrationFactory(meeting=meeting, status="waitlisted", waitlist_position=1)
    previous = services.MeetingSnapshot.of(meeting)
    meeting.capacity = 2
    with committed():
        services.meeting_update(meeting=meeting, previous=previous, initiatives=[])
    waiting.refresh_from_db()
    assert waiting.status == "registered"
    assert [m.to for m in mail.outbox] == [[waiting.email]]


def test_the_signed_link_asks_then_cancels(client, committed):
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    url = services.registration_cancel_url(registration).removeprefix("http://testserver")
    response = client.get(url, **EN)
    assert response.status_code == 200
    assert "Cancel my registration" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "registered"  # a GET (a link scanner) changes nothing
    with committed():
        response = client.post(url, **EN)
    assert response.status_code == 302
    registration.refresh_from_db()
    assert registration.status == "cancelled"
    assert client.get(url, **EN).content.decode().count("already cancelled") == 1


@pytest.mark.parametrize("tamper", ["flip", "other_salt", "garbage"])
def test_a_forged_cancellation_link_is_refused_and_changes_nothing(client, tamper):
    registration = RegistrationFactory()
    good = signing.dumps(registration.pk, salt=services.CANCEL_SALT)
    token = {
        "flip": good[:-1] + ("A" if good[-1] != "A" else "B"),
        "other_salt": signing.dumps(registration.pk, salt="something-else"),
        "garbage": "not-a-token",
    }[tamper]
    for method in (client.get, client.post):
        response = method(f"/en/meetings/registration/{token}/cancel/", **EN)
        assert response.status_code == 400
        assert "This cancellation link is not valid" in response.content.decode()
    registration.refresh_from_db()
    assert registration.status == "registered"
    assert mail.outbox == []


def test_a_draft_meeting_is_hidden_from_the_public(client, moderator):
    meeting = MeetingFactory(published_at=None)
    assert client.get(meeting.get_absolute_url()).status_code == 404
    assert client.post(f"/meetings/{meeting.slug}/register/", visitor_data()).status_code == 404
    client.force_login(moderator)  # in English, at the English page
    with translation.override("en"):
        assert client.get(meeting.get_absolute_url()).status_code == 200


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("Mujer", "woman"),
        ("  MULHER ", "woman"),
        ("femenino", "woman"),
        ("Female", "woman"),
        ("Feminino.", "woman"),
        ("hombre", "man"),
        ("Homem", "man"),
        ("MALE", "man"),
        ("Masculino", "man"),
        ("no binaria", "other"),
        ("mujer trans", "other"),
        ("", ""),
        ("Prefer not to say", ""),
        ("prefiero no decir", ""),
        ("Prefiro não dizer", ""),
    ],
)
def test_self_described_gender_is_classified_conservatively(text, category):
    assert services.gender_category(text) == category
