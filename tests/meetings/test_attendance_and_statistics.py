"""After a meeting: attendance by checkbox or CSV, material, and the participation statistics."""

import csv
import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from community.meetings import demo, stats
from community.meetings.models import Meeting, Registration

from .factories import MeetingFactory, RegistrationFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def staff(client, moderator_with_totp):
    moderator_with_totp.language = "en"
    moderator_with_totp.save()
    client.force_login(moderator_with_totp)
    return client


@pytest.fixture
def past_meeting():
    start = timezone.now() - timedelta(days=1)
    meeting = MeetingFactory(starts_at=start, ends_at=start + timedelta(hours=2))
    ana = RegistrationFactory(meeting=meeting, name="Ana", email="ana@example.net")
    bea = RegistrationFactory(meeting=meeting, name="Bea", email="bea@example.net")
    cleo = RegistrationFactory(meeting=meeting, name="Cleo", email="cleo@example.net")
    return meeting, ana, bea, cleo


def csv_upload(text: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("attendance.csv", text.encode(), content_type="text/csv")


def test_staff_mark_attendance_with_checkboxes(staff, past_meeting):
    meeting, ana, bea, cleo = past_meeting
    response = staff.post(
        f"/meetings/staff/{meeting.pk}/attendance/", {"attended": [ana.pk, cleo.pk]}
    )
    assert response.status_code == 302
    assert set(Registration.objects.filter(attended=True)) == {ana, cleo}
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD
    staff.post(f"/meetings/staff/{meeting.pk}/attendance/", {"attended": [bea.pk]})
    assert set(Registration.objects.filter(attended=True)) == {bea}


def test_attendance_waits_until_the_meeting_has_started(staff):
    meeting = MeetingFactory()
    registration = RegistrationFactory(meeting=meeting)
    response = staff.post(
        f"/meetings/staff/{meeting.pk}/attendance/", {"attended": [registration.pk]}, follow=True
    )
    assert "Attendance can be recorded once the meeting has started." in response.content.decode()
    registration.refresh_from_db()
    assert not registration.attended


def test_a_csv_attendance_list_is_matched_by_email_reporting_unknown_and_broken_rows(
    staff, past_meeting
):
    meeting, ana, _bea, cleo = past_meeting
    other = RegistrationFactory(email="someone@example.net")  # registered for another meeting
    # A video platform's export: a preamble, then a header, then one row per join.
    text = (
        "Meeting ID,Topic\n"
        "123 456 789,Community meeting\n"
        "\n"
        "Name (Original Name),User Email,Join Time,Duration (Minutes)\n"
        "Ana,ANA@example.net,2026-01-25 15:01,58\n"
        "Ana,ana@example.net,2026-01-25 15:40,20\n"
        "Someone,someone@example.net,2026-01-25 15:02,30\n"
        "No email,not-an-email,2026-01-25 15:03,12\n"
        "Short row\n"
        "Cleo,cleo@example.net,2026-01-25 15:05,50\n"
    )
    response = staff.post(
        f"/meetings/staff/{meeting.pk}/attendance/import/", {"file": csv_upload(text)}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "2 people marked as attended." in page
    assert "line 7: someone@example.net" in page
    assert "line 8: “not-an-email” is not an email address" in page
    assert "line 9: the row has no email column" in page
    assert set(Registration.objects.filter(attended=True)) == {ana, cleo}
    other.refresh_from_db()
    assert not other.attended  # nothing changed for the unknown email
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.HELD


def test_a_csv_without_an_email_column_is_refused_and_changes_nothing(staff, past_meeting):
    meeting, *_people = past_meeting
    response = staff.post(
        f"/meetings/staff/{meeting.pk}/attendance/import/",
        {"file": csv_upload("Name,Minutes\nAna,58\nBea,20\n")},
    )
    assert response.status_code == 400
    assert "No email column was found" in response.content.decode()
    assert not Registration.objects.filter(attended=True).exists()
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.SCHEDULED


def test_a_file_that_is_not_csv_is_refused(staff, past_meeting):
    meeting, *_people = past_meeting
    upload = SimpleUploadedFile("list.csv", b"\x00\x01binary", content_type="text/csv")
    response = staff.post(f"/meetings/staff/{meeting.pk}/attendance/import/", {"file": upload})
    assert response.status_code == 400
    assert "This file is not a text (CSV) file." in response.content.decode()
    assert not Registration.objects.filter(attended=True).exists()


def test_a_list_of_bare_addresses_is_accepted(staff, past_meeting):
    meeting, _ana, bea, cleo = past_meeting
    staff.post(
        f"/meetings/staff/{meeting.pk}/attendance/import/",
        {"file": csv_upload("bea@example.net\ncleo@example.net\n")},
    )
    assert set(Registration.objects.filter(attended=True)) == {bea, cleo}


def test_minutes_and_recording_then_show_on_the_meeting_page(staff, client, past_meeting):
    meeting, *_people = past_meeting
    pdf = SimpleUploadedFile("acta.pdf", minimal_pdf(), content_type="application/pdf")
    response = staff.post(
        f"/meetings/staff/{meeting.pk}/materials/",
        {"kind": "minutes", "title": "Minutes of the meeting", "file": pdf},
    )
    assert response.status_code == 302
    staff.post(
        f"/meetings/staff/{meeting.pk}/recording/",
        {"recording_url": "https://video.example.org/rec/1"},
    )
    page = client.get(meeting.get_absolute_url(), **EN).content.decode()
    assert "Minutes of the meeting" in page
    assert "https://video.example.org/rec/1" in page
    refused = staff.post(
        f"/meetings/staff/{meeting.pk}/materials/",
        {"kind": "slides", "file": SimpleUploadedFile("x.pdf", b"<script>", "application/pdf")},
    )
    assert refused.status_code == 400
    assert meeting.materials.count() == 1


def minimal_pdf() -> bytes:
    import pypdfium2

    document = pypdfium2.PdfDocument.new()
    document.new_page(200, 200)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


# --- Statistics ------------------------------------------------------------------------------
def test_the_seeded_january_meeting_matches_a_hand_count(client):
    demo.seed(lambda line: None)
    meeting = Meeting.objects.get(
        slug="encuentro-de-la-comunidad-de-programas-de-clusteres-2024-01-25"
    )
    attended = list(meeting.registrations.filter(attended=True))
    # The hand count, from the rows themselves (not from the statistics code).
    women = [
        r
        for r in attended
        if r.gender.lower() in {"mujer", "mulher", "female", "femenino", "feminino"}
    ]
    men = [r for r in attended if r.gender.lower() in {"hombre", "homem", "male", "masculino"}]
    stated = [r for r in attended if r.gender and r.gender != "Prefiero no decir"]
    assert (len(attended), len(women), len(men), len(stated)) == (41, 16, 20, 36)
    assert len({r.country.code for r in attended}) == 10

    figures = stats.meeting_participation(meeting)
    assert figures.participants == 41
    assert (figures.women, figures.men, figures.other, figures.stated) == (16, 20, 0, 36)
    assert figures.women_percent == 44  # 16 / 36 = 44.4%
    assert figures.countries == 10
    assert figures.organisations == len({r.organisation.casefold() for r in attended})
    assert figures.first_time == 41  # the community's first meeting
    assert stats.summary_line(figures) == "41 participants, 44% women, from 10 countries"
    page = client.get(meeting.get_absolute_url(), **EN).content.decode()
    assert "41 participants, 44% women, from 10 countries" in page

    # Seeding again changes nothing.
    demo.seed(lambda line: None)
    assert stats.meeting_participation(meeting) == figures


def test_first_time_participants_are_counted_against_earlier_attendance():
    early = MeetingFactory(
        starts_at=datetime(2024, 1, 1, 15, tzinfo=UTC), ends_at=datetime(2024, 1, 1, 17, tzinfo=UTC)
    )
    later = MeetingFactory(
        starts_at=datetime(2024, 6, 1, 15, tzinfo=UTC), ends_at=datetime(2024, 6, 1, 17, tzinfo=UTC)
    )
    RegistrationFactory(meeting=early, email="back@example.net", attended=True)
    RegistrationFactory(meeting=early, email="absent@example.net", attended=False)
    RegistrationFactory(
        meeting=later,
        email="back@example.net",
        attended=True,
        gender="Hombre",
        gender_category="man",
    )
    RegistrationFactory(
        meeting=later,
        email="absent@example.net",
        attended=True,
        gender="no binarie",
        gender_category="other",
    )
    RegistrationFactory(
        meeting=later,
        email="new@example.net",
        attended=True,
        gender="Mujer",
        gender_category="woman",
        country="BR",
        organisation="SEBRAE",
    )
    figures = stats.meeting_participation(later)
    assert (figures.participants, figures.first_time) == (3, 2)
    assert (figures.women, figures.men, figures.other, figures.women_percent) == (1, 1, 1, 33)
    assert figures.countries == 2  # EC and BR
    assert figures.organisations == 2
    history = dict(stats.participation_over_time())
    assert history[later].first_time == 2 and history[early].first_time == 1


def test_nobody_stating_a_gender_leaves_the_share_out():
    meeting = MeetingFactory()
    RegistrationFactory(meeting=meeting, attended=True)
    figures = stats.meeting_participation(meeting)
    assert figures.women_percent is None
    assert stats.summary_line(figures) == "1 participant, from 1 country"


def test_staff_statistics_pages_and_csv_export(staff, client, member):
    demo.seed(lambda line: None)
    response = staff.get("/en/meetings/staff/statistics/")
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count('class="chart-svg"') == 3
    assert "Share of women per meeting (%)" in page
    meeting = Meeting.objects.get(slug__startswith="encuentro-de-la-comunidad-de-programas")
    detail = staff.get(f"/en/meetings/staff/{meeting.pk}/statistics/").content.decode()
    assert "41 participants, 44% women, from 10 countries" in detail
    assert detail.count('class="chart-svg"') == 3

    export = staff.get("/en/meetings/staff/statistics.csv")
    assert export["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 3
    first = rows[0]
    assert (first["participants"], first["women"], first["stated_gender"]) == ("41", "16", "36")
    assert (first["women_percent"], first["countries"]) == ("44", "10")
    assert int(rows[1]["first_time_participants"]) < int(rows[1]["participants"])

    client.force_login(member)
    assert client.get("/en/meetings/staff/statistics/").status_code == 403
    assert client.get("/en/meetings/staff/statistics.csv").status_code == 403
