"""Certificates of attendance: who may download one, what the PDF says in each language, the
public verification page (valid, forged, revoked), and what closing an account does."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pypdfium2 as pdfium
import pytest
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community.meetings.certificates import pdf, selectors, services
from community.meetings.models import Certificate, Meeting, Registration
from iapt_platform.accounts import personal_data
from iapt_platform.accounts.personal_data import Closing
from tests.addresses import address
from tests.factories import UserFactory

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    document = pdfium.PdfDocument(content)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def squeezed(text: str) -> str:
    """The text without line breaks and spaces (a long address wraps inside the PDF)."""
    return "".join(text.split())


def training(**extra) -> Meeting:
    start = timezone.now() - timedelta(days=2)
    values = {
        "title_es": "Formación de gerentes: evaluación de impacto",
        "title_en": "Training for directors: impact evaluation",
        "title_pt_br": "Formação de gestores: avaliação de impacto",
        "kind": Meeting.Kind.TRAINING,
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "status": Meeting.Status.HELD,
        "is_training": True,
        "training_hours": Decimal("1.5"),
        **extra,
    }
    return MeetingFactory(**values)


def attendee(meeting: Meeting, *, language: str = "en", name: str = "Andrea Clarke", **extra):
    user = UserFactory(display_name=name, language=language, time_zone="America/Jamaica")
    registration = RegistrationFactory(
        meeting=meeting, user=user, name=name, email=user.email, attended=True, **extra
    )
    return user, registration


def download(client, meeting: Meeting):
    return client.get(reverse("meetings:certificate_download", args=[meeting.slug]))


# --- Downloading --------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("language", "title", "words", "prefix"),
    [
        (
            "en",
            "Training for directors: impact evaluation",
            ["Certificate of attendance", "1.5 hours"],
            "/en",
        ),
        ("es", "Formación de gerentes: evaluación de impacto", ["1,5"], ""),
        ("pt-br", "Formação de gestores: avaliação de impacto", ["1,5"], "/pt-br"),
    ],
)
def test_an_attendee_downloads_a_pdf_in_their_language(client, language, title, words, prefix):
    meeting = training()
    user, _registration = attendee(meeting, language=language, name="Đặng Thị Ngọc Ánh")
    client.force_login(user)

    response = download(client, meeting)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert meeting.slug in response["Content-Disposition"]
    assert response["Cache-Control"] == "private, no-store"
    certificate = Certificate.objects.get()
    text = pdf_text(response.content)
    assert "Đặng Thị Ngọc Ánh" in text  # beyond Latin-1, as written
    assert title in text
    for word in words:
        assert word in text
    verification = f"{settings.SITE_URL}{prefix}/meetings/certificates/{certificate.code}/"
    assert verification in squeezed(text)
    assert "CEPAL" in text


def test_greek_and_cyrillic_names_print_as_written(client):
    meeting = training()
    for name in ("Σωκράτης Παπαδόπουλος", "Анна Петрова"):
        user, _registration = attendee(meeting, name=name)
        client.force_login(user)
        assert name in pdf_text(download(client, meeting).content)


def test_a_name_beyond_the_font_still_gives_a_certificate(client):
    # DejaVu Sans has no Chinese: those characters are missing from the PDF, which is still made.
    meeting = training()
    user, _registration = attendee(meeting, name="王小明 (Wang Xiaoming)")
    client.force_login(user)
    response = download(client, meeting)
    assert response.status_code == 200
    assert "(Wang Xiaoming)" in pdf_text(response.content)


def test_the_certificate_is_issued_once_with_a_stable_code_and_the_name_frozen(client):
    meeting = training()
    user, registration = attendee(meeting, name="Andrea Clarke")
    client.force_login(user)
    first = download(client, meeting)
    code = Certificate.objects.get().code
    user.display_name = "Andrea C. Brown"
    user.save()

    second = download(client, meeting)

    assert Certificate.objects.count() == 1
    certificate = Certificate.objects.get()
    assert certificate.code == code and len(code) >= 22
    assert certificate.name == "Andrea Clarke"
    assert certificate.registration == registration
    assert "Andrea Clarke" in pdf_text(second.content)
    assert first.content == second.content  # the same file on every download


def test_the_date_is_in_the_attendees_time_zone():
    # 02:00 UTC on the 15th is still the 14th in Jamaica (UTC-5).
    starts = datetime(2025, 5, 15, 2, 0, tzinfo=UTC)
    assert "May 14, 2025" in pdf.date_span(starts, starts + timedelta(hours=2), "America/Jamaica")
    assert "May 15, 2025" in pdf.date_span(starts, starts + timedelta(hours=2), "UTC")


@pytest.mark.parametrize(
    "situation",
    ["not_training", "no_hours", "not_ended", "cancelled", "not_attended", "cancelled_place"],
)
def test_only_attendees_of_ended_training_meetings_download(client, situation):
    meeting = training()
    extra = {}
    if situation == "not_attended":
        extra = {"attended": False}
    if situation == "cancelled_place":
        extra = {"status": Registration.Status.CANCELLED}
    user = UserFactory()
    RegistrationFactory(meeting=meeting, user=user, email=user.email, **{"attended": True, **extra})
    if situation == "not_training":
        Meeting.objects.filter(pk=meeting.pk).update(is_training=False)
    if situation == "no_hours":
        Meeting.objects.filter(pk=meeting.pk).update(training_hours=None)
    if situation == "not_ended":
        Meeting.objects.filter(pk=meeting.pk).update(ends_at=timezone.now() + timedelta(hours=1))
    if situation == "cancelled":
        Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.CANCELLED)
    client.force_login(user)

    assert download(client, meeting).status_code == 404
    assert not Certificate.objects.valid().exists()


def test_others_get_a_404_for_someone_elses_certificate(client):
    meeting = training()
    attendee(meeting)
    RegistrationFactory(meeting=meeting, attended=True)  # a visitor who attended, no account
    stranger = UserFactory()
    assert download(client, meeting).status_code == 302  # sent to sign in
    client.force_login(stranger)
    assert download(client, meeting).status_code == 404


def test_a_visitor_who_signs_up_with_the_same_address_gets_their_certificate(client):
    meeting = training()
    RegistrationFactory(
        meeting=meeting, name="Rosa Quispe", email="rosa@example.net", attended=True
    )
    user = UserFactory(email="rosa@example.net", display_name="Rosa Q.")
    client.force_login(user)

    response = download(client, meeting)

    assert response.status_code == 200
    assert Certificate.objects.get().name == "Rosa Quispe"  # the name she attended with


def test_the_meeting_page_and_the_account_offer_the_download(client):
    meeting = training()
    user, _registration = attendee(meeting)
    client.force_login(user)
    link = reverse("meetings:certificate_download", args=[meeting.slug])

    page = client.get(meeting.get_absolute_url())
    mine = client.get(reverse("meetings:mine"))

    assert "Download your certificate" in page.text and link in page.text
    assert "Download your certificate" in mine.text and link in mine.text


def test_a_registered_non_attendee_sees_no_download(client):
    meeting = training()
    user = UserFactory()
    RegistrationFactory(meeting=meeting, user=user, email=user.email, attended=False)
    client.force_login(user)
    assert "Download your certificate" not in client.get(meeting.get_absolute_url()).text


# --- Verifying ----------------------------------------------------------------------------------
def issued(meeting=None, **extra) -> Certificate:
    meeting = meeting or training()
    _user, registration = attendee(meeting, **extra)
    services.certificates_sync(meeting=meeting)
    return Certificate.objects.get(registration=registration)


def verify(client, code: str, language: str = "en"):
    return client.get(address("meetings:certificate_verify", args=[code], language=language))


def test_a_valid_certificate_is_confirmed(client):
    certificate = issued(name="Andrea Clarke")

    response = verify(client, certificate.code)

    assert response.status_code == 200
    assert "Valid certificate." in response.text
    assert "Andrea Clarke" in response.text
    assert "Training for directors: impact evaluation" in response.text
    assert "1.5 hours" in response.text
    assert '<meta name="robots" content="noindex">' in response.text
    assert response["X-Robots-Tag"] == "noindex"


@pytest.mark.parametrize("language", ["es", "en", "pt-br"])
def test_verification_has_an_address_per_language(client, language):
    certificate = issued(name="Andrea Clarke")
    response = verify(client, certificate.code, language)
    assert response.status_code == 200
    assert "Andrea Clarke" in response.text
    title = {"es": "Formación de gerentes", "en": "Training for directors", "pt-br": "Formação"}
    assert title[language] in response.text


def test_a_forged_or_altered_code_is_not_found(client):
    certificate = issued()
    code = certificate.code
    altered = code[:-1] + ("A" if code[-1] != "A" else "B")

    for wrong in (altered, code.upper() if code.upper() != code else code.lower(), "x" * 22):
        response = verify(client, wrong)
        assert response.status_code == 404
        assert "Not found: no certificate has this code." in response.text
        assert certificate.name not in response.text
    assert verify(client, "y" * 300).status_code == 404


def test_removing_the_attendance_revokes_and_recording_it_again_restores(client):
    certificate = issued(name="Andrea Clarke")
    meeting, registration = certificate.meeting, certificate.registration

    from community.meetings.services import attendance_set

    attendance_set(meeting=meeting, attended_ids=set())
    certificate.refresh_from_db()
    response = verify(client, certificate.code)

    assert not certificate.is_valid
    assert certificate.revoked_reason == Certificate.Revoked.ATTENDANCE
    assert response.status_code == 200
    assert "Revoked: this certificate is no longer valid." in response.text
    assert "The attendance was removed." in response.text
    assert "Andrea Clarke" not in response.text
    user = registration.user
    client.force_login(user)
    assert download(client, meeting).status_code == 404

    attendance_set(meeting=meeting, attended_ids={registration.pk})
    certificate.refresh_from_db()
    assert certificate.is_valid and Certificate.objects.count() == 1


def test_unmarking_the_training_or_cancelling_revokes_every_certificate(client):
    from community.meetings.services import MeetingSnapshot, meeting_cancel, meeting_update

    certificate = issued()
    meeting = certificate.meeting
    meeting.is_training = False
    meeting_update(meeting=meeting, previous=MeetingSnapshot.of(meeting), initiatives=[])
    certificate.refresh_from_db()
    assert certificate.revoked_reason == Certificate.Revoked.MEETING

    meeting.is_training = True
    meeting_update(meeting=meeting, previous=MeetingSnapshot.of(meeting), initiatives=[])
    certificate.refresh_from_db()
    assert certificate.is_valid

    Meeting.objects.filter(pk=meeting.pk).update(status=Meeting.Status.SCHEDULED)
    meeting.refresh_from_db()
    meeting_cancel(meeting=meeting)
    certificate.refresh_from_db()
    assert certificate.revoked_reason == Certificate.Revoked.MEETING
    assert "no longer gives certificates" in verify(client, certificate.code).text


def test_staff_saving_attendance_after_the_end_issues_certificates(client, moderator_with_totp):
    meeting = training()
    ana = RegistrationFactory(meeting=meeting, name="Ana", email="ana@example.net")
    RegistrationFactory(meeting=meeting, name="Bea", email="bea@example.net")
    client.force_login(moderator_with_totp)

    client.post(f"/en/meetings/staff/{meeting.pk}/attendance/", {"attended": [ana.pk]})
    page = client.get(f"/en/meetings/staff/{meeting.pk}/")

    assert list(Certificate.objects.values_list("name", flat=True)) == ["Ana"]
    assert "Certificates of attendance" in page.text
    assert Certificate.objects.get().code in page.text


def test_the_staff_form_needs_hours_for_a_training(client, moderator_with_totp):
    meeting = training()
    client.force_login(moderator_with_totp)
    response = client.get(f"/en/meetings/staff/{meeting.pk}/edit/")
    assert 'name="is_training"' in response.text and 'name="training_hours"' in response.text

    from community.meetings.forms import MeetingForm

    form = MeetingForm(instance=meeting, user=moderator_with_totp)
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update(is_training="on", training_hours="")
    data["initiatives"], data["resources"] = [], []
    bound = MeetingForm(data, instance=meeting, user=moderator_with_totp)
    assert not bound.is_valid()
    assert "training_hours" in bound.errors


def test_verification_is_rate_limited(client, settings):
    settings.MEETINGS_CERTIFICATE_CHECKS_PER_HOUR = 2
    certificate = issued()
    assert verify(client, certificate.code).status_code == 200
    assert verify(client, "x" * 22).status_code == 404
    limited = verify(client, certificate.code)
    assert limited.status_code == 429
    assert certificate.name not in limited.text


# --- The sweep and its email --------------------------------------------------------------------
def test_the_sweep_issues_and_emails_each_holder_once(django_capture_on_commit_callbacks):
    meeting = training()
    user, _registration = attendee(meeting)
    RegistrationFactory(meeting=meeting, attended=True)  # a visitor: certificate, no email
    RegistrationFactory(meeting=meeting, attended=False)

    with django_capture_on_commit_callbacks(execute=True):
        sent = services.certificates_issue_due()
    with django_capture_on_commit_callbacks(execute=True):
        again = services.certificates_issue_due()

    assert (sent, again) == (1, 0)
    assert Certificate.objects.count() == 2
    assert [message.to for message in mail.outbox] == [[user.email]]
    assert "certificate of attendance" in mail.outbox[0].subject
    assert reverse("meetings:certificate_download", args=[meeting.slug]) in mail.outbox[0].body


def test_the_sweep_leaves_meetings_that_have_not_ended():
    meeting = training(
        starts_at=timezone.now() - timedelta(minutes=30),
        ends_at=timezone.now() + timedelta(minutes=30),
    )
    attendee(meeting)
    assert services.certificates_issue_due() == 0
    assert not Certificate.objects.exists()


# --- Personal data ------------------------------------------------------------------------------
def test_the_export_holds_the_certificates_with_their_addresses():
    certificate = issued()
    user = certificate.registration.user

    portion = selectors.personal_data_of(user)

    [entry] = portion.data
    assert entry["code"] == certificate.code
    assert entry["verification_url"].endswith(f"/meetings/certificates/{certificate.code}/")
    assert entry["name"] == certificate.name


def test_closing_the_account_revokes_the_certificate_and_forgets_the_name(client):
    certificate = issued(name="Andrea Clarke")
    user = certificate.registration.user
    closing = Closing(user=user)

    for _key, closer in personal_data.closings():
        closer(closing=closing)
    user.delete()
    certificate.refresh_from_db()
    services.certificates_sync(meeting=certificate.meeting)  # nothing brings it back
    certificate.refresh_from_db()

    assert certificate.name == "" and not certificate.is_valid
    assert certificate.revoked_reason == Certificate.Revoked.CLOSED
    response = verify(client, certificate.code)
    assert "Revoked" in response.text and "closed their account" in response.text
    assert "Andrea Clarke" not in response.text
    assert Certificate.objects.count() == 1


# --- Query counts -------------------------------------------------------------------------------
def test_query_counts_do_not_grow_with_the_certificates(
    client, moderator_with_totp, django_assert_max_num_queries
):
    small, large = training(), training()
    for meeting, size in ((small, 2), (large, 12)):
        for n in range(size):
            RegistrationFactory(meeting=meeting, name=f"P{n}", attended=True)
        services.certificates_sync(meeting=meeting)
    client.force_login(moderator_with_totp)
    client.get(f"/en/meetings/staff/{small.pk}/")  # warm: the frame's unread count is then kept
    counts = []
    for meeting in (small, large):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as staff_page:
            assert client.get(f"/en/meetings/staff/{meeting.pk}/").status_code == 200
        with CaptureQueriesContext(connection) as check:
            verify(client, meeting.certificates.first().code)
        counts.append((len(staff_page), len(check)))
    assert counts[0] == counts[1]
    assert counts[0][1] <= 8
