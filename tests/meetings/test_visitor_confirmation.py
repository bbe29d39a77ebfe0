"""A visitor's registration is confirmed from the email before it takes a seat (double opt-in),
is rate-limited per address and per IP, and its answer never tells whether an address is already
registered. Members signed in still register in one step (tests/meetings/test_registration.py)."""

import re
from datetime import timedelta

import pytest
from django.core import mail, signing
from django.test import override_settings
from django.utils import timezone
from icalendar import Calendar

from community.meetings import selectors, services
from community.meetings.models import Registration

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
HOSTILE_NAME = "Claim your prize at https://evil.example/win now"


def visitor_data(**overrides):
    data = {
        "name": HOSTILE_NAME,
        "email": "Rosa@Example.NET",
        "organisation": "www.evil.example",
        "country": "EC",
        "language": "en",
        "time_zone": "America/Guayaquil",
        "gender": "Mujer",
        "gender_consent": "on",
    }
    data.update(overrides)
    return data


def confirm_link(message) -> str:
    [path] = re.findall(
        r"https?://[^/\s]+((?:/en|/pt-br)?/meetings/registration/[^/\s]+/confirm/)", message.body
    )
    return path


def test_a_visitors_registration_takes_no_seat_until_confirmed(client, committed):
    meeting = MeetingFactory(capacity=1)
    with committed():
        response = client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    assert response.status_code == 302
    # Posted to the Spanish address, answered in the reader's language, sent on to its address.
    assert response["Location"] == f"/en/meetings/{meeting.slug}/check-your-email/"
    page = client.get(response["Location"], **EN).content.decode()
    assert "Check your inbox" in page
    registration = Registration.objects.get()
    assert registration.status == Registration.Status.PENDING
    assert registration.email == "rosa@example.net"
    assert selectors.seats_taken(meeting=meeting) == 0
    # The seat is still free for someone else.
    detail = client.get(meeting.get_absolute_url(), **EN).content.decode()
    assert "1 left" in detail


def test_the_confirmation_email_goes_only_to_the_address_and_carries_no_typed_text(
    client, committed
):
    meeting = MeetingFactory()
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    [message] = mail.outbox
    assert message.to == ["rosa@example.net"]
    assert message.cc == [] and message.bcc == []
    assert message.extra_headers["Content-Language"] == "en"
    assert message.subject == f"Confirm your registration: {meeting.title_en}"
    html = message.alternatives[0][0]
    for part in (message.subject, message.body, html):
        assert "evil.example" not in part
        assert "Claim your prize" not in part
    assert "/meetings/registration/" in message.body
    assert not [a for a in message.attachments if a[0].endswith(".ics")]  # no invitation yet
    assert meeting.online_link not in message.body + html


def test_the_answer_is_the_same_for_a_new_a_pending_and_a_registered_address(client, committed):
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, email="known@example.net", language="en")
    answers = []
    for email in ("new@example.net", "new@example.net", "known@example.net"):
        with committed():
            response = client.post(
                f"/meetings/{meeting.slug}/register/", visitor_data(email=email), **EN
            )
        page = client.get(response["Location"], **EN).content.decode()
        page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", page)
        answers.append((response.status_code, response["Location"], page))
    assert answers[0] == answers[1] == answers[2]
    # Nothing changed for the registered address; one pending row for the new one.
    assert Registration.objects.get(email="known@example.net").status == "registered"
    assert Registration.objects.filter(email="new@example.net").get().status == "pending"
    # The registered person hears that they are already registered (their own link to cancel).
    to_known = [m for m in mail.outbox if m.to == ["known@example.net"]]
    assert [m.subject for m in to_known] == [f"You are already registered: {meeting.title_en}"]
    assert "evil.example" not in to_known[0].body
    # Whoever typed the address may not own it: the email does not carry the meeting's room.
    assert meeting.online_link
    assert meeting.online_link not in to_known[0].body
    assert meeting.online_link not in to_known[0].alternatives[0][0]


def test_the_link_page_asks_and_only_a_post_confirms(client, committed):
    meeting = MeetingFactory(capacity=5)
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    path = confirm_link(mail.outbox[0])
    mail.outbox.clear()
    for _scan in range(2):  # link scanners fetch the link, maybe twice
        response = client.get(path, **EN)
        assert response.status_code == 200
        assert "Confirm my registration" in response.content.decode()
    assert Registration.objects.get().status == "pending"
    assert mail.outbox == []

    with committed():
        response = client.post(path, **EN)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Your registration is confirmed." in page
    assert "You have a seat at this meeting." in page
    registration = Registration.objects.get()
    assert registration.status == "registered"
    assert registration.confirmed_at is not None
    [message] = mail.outbox
    assert message.subject == f"You are registered: {meeting.title_en}"
    [(_name, content, _type)] = [a for a in message.attachments if a[0].endswith(".ics")]
    assert Calendar.from_ical(content)["METHOD"] == "REQUEST"


def test_capacity_is_checked_at_confirmation(client, committed):
    meeting = MeetingFactory(capacity=1)
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(email="a@example.net"))
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(email="b@example.net"))
    links = {m.to[0]: confirm_link(m) for m in mail.outbox}
    with committed():
        client.post(links["b@example.net"])
        client.post(links["a@example.net"])
    assert Registration.objects.get(email="b@example.net").status == "registered"
    second = Registration.objects.get(email="a@example.net")
    assert (second.status, second.waitlist_position) == ("waitlisted", 1)


def test_a_used_link_says_so_and_changes_nothing(client, committed):
    meeting = MeetingFactory()
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    path = confirm_link(mail.outbox[0])
    with committed():
        client.post(path)
    mail.outbox.clear()
    with committed():
        response = client.post(path, **EN)
    assert response.status_code == 200
    assert "This link was already used: your registration is confirmed." in (
        response.content.decode()
    )
    assert mail.outbox == []
    registration = Registration.objects.get()
    services.registration_cancel(registration=registration)
    response = client.get(path, **EN)
    assert response.status_code == 410
    assert "This link was already used, and the registration was cancelled since." in (
        response.content.decode()
    )
    assert client.post(path, **EN).status_code == 410
    assert Registration.objects.get().status == "cancelled"


def test_an_expired_or_damaged_link_says_so(client, committed):
    meeting = MeetingFactory()
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    path = confirm_link(mail.outbox[0])
    later = timezone.now() + services.CONFIRM_MAX_AGE + timedelta(minutes=1)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: later.timestamp())
        response = client.post(path, **EN)
    assert response.status_code == 410
    assert "This confirmation link has expired" in response.content.decode()
    assert Registration.objects.get().status == "pending"
    damaged = client.get(path.replace("/confirm/", "x/confirm/"), **EN)
    assert damaged.status_code == 400
    assert "This link is not valid" in damaged.content.decode()


def test_a_confirmation_after_registration_closed_is_refused(client, committed):
    meeting = MeetingFactory()
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(), **EN)
    path = confirm_link(mail.outbox[0])
    meeting.registration_deadline = timezone.now() - timedelta(minutes=1)
    meeting.save()
    response = client.post(path, **EN)
    assert response.status_code == 409
    assert "The registration deadline for this meeting has passed." in response.content.decode()
    assert Registration.objects.get().status == "pending"


@override_settings(MEETINGS_REGISTRATION_LIMITS=(4, 2))
def test_visitor_registrations_are_limited_per_address_and_per_ip(client, committed):
    meeting = MeetingFactory()
    other = MeetingFactory()
    statuses = []
    with committed():
        for target in (meeting, other, meeting):  # the third for the same address is refused
            response = client.post(
                f"/meetings/{target.slug}/register/", visitor_data(email="same@example.net"), **EN
            )
            statuses.append(response.status_code)
    assert statuses == [302, 302, 429]
    assert "Too many registration requests" in response.content.decode()
    assert len(mail.outbox) == 2
    # Two more addresses from the same IP reach its limit of four requests an hour.
    with committed():
        first = client.post(
            f"/meetings/{meeting.slug}/register/", visitor_data(email="x@example.net"), **EN
        )
        second = client.post(
            f"/meetings/{meeting.slug}/register/", visitor_data(email="y@example.net"), **EN
        )
    assert (first.status_code, second.status_code) == (302, 429)
    assert not Registration.objects.filter(email="y@example.net").exists()
    # Another IP is not affected.
    with committed():
        elsewhere = client.post(
            f"/meetings/{meeting.slug}/register/",
            visitor_data(email="y@example.net"),
            REMOTE_ADDR="198.51.100.7",
            **EN,
        )
    assert elsewhere.status_code == 302


def test_a_member_signing_in_supersedes_a_pending_visitor_registration(client, member, committed):
    meeting = MeetingFactory()
    with committed():
        client.post(f"/meetings/{meeting.slug}/register/", visitor_data(email=member.email))
    client.force_login(member)
    with committed():
        response = client.post(f"/meetings/{meeting.slug}/register/", **EN)
    assert response.status_code == 302
    registration = Registration.objects.get()
    assert (registration.user, registration.status) == (member, "registered")


def test_unconfirmed_registrations_are_forgotten_after_the_link_expires():
    meeting = MeetingFactory()
    old = RegistrationFactory(
        meeting=meeting,
        status="pending",
        created_at=timezone.now() - services.CONFIRM_MAX_AGE - timedelta(hours=1),
    )
    fresh = RegistrationFactory(meeting=meeting, status="pending", created_at=timezone.now())
    kept = RegistrationFactory(meeting=meeting, status="registered")
    assert services.registrations_forget_unconfirmed() == 1
    assert set(Registration.objects.all()) == {fresh, kept}
    assert not Registration.objects.filter(pk=old.pk).exists()
