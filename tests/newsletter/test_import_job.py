"""Staff import of subscribers as a background job: the dry run by line, the real run by chunks
with its progress on the job row, resuming after a dead worker, and the report."""

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from newsletter.models import Subscriber, SubscriberImport
from newsletter.services import imports
from tests.addresses import address

from .factories import SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db

CSV = (
    "email,name,language,country,topics\n"
    "ana@example.org,Ana,es,CO,financing\n"  # 2 added
    "not-an-email,Bad,es,,\n"  # 3 refused
    "ben@example.org,Ben,klingon,,\n"  # 4 refused
    "carla@example.org,Carla,pt-br,BR,financing;unknown\n"  # 5 refused
    "dora@example.org,Dora,en,ZZ,\n"  # 6 refused
    "ANA@example.org,Ana again,es,,\n"  # 7 refused: duplicate
    "left@example.org,,es,,\n"  # 8 refused: left
    "known@example.org,,en,,\n"  # 9 unchanged (confirmed)
    "eve@example.org,Eve,en,JM,\n"  # 10 added
    "bounced@example.org,,es,,\n"  # 11 refused: bounced
    "waiting@example.org,Wendy,en,,financing\n"  # 12 updated (pending)
)


def _upload(text: str = CSV, name: str = "list.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode(), content_type="text/csv")


@pytest.fixture
def people():
    TopicFactory(slug="financing")
    SubscriberFactory(email="left@example.org", status=Subscriber.Status.UNSUBSCRIBED)
    SubscriberFactory(
        email="bounced@example.org",
        status=Subscriber.Status.UNSUBSCRIBED,
        suppressed_reason="bounced",
    )
    SubscriberFactory(email="known@example.org", status=Subscriber.Status.CONFIRMED)
    SubscriberFactory(email="waiting@example.org", status=Subscriber.Status.PENDING, name="W")


def _upload_and_check(client, capture, **form):
    data = {"file": _upload(form.pop("text", CSV)), "consent_source": "Workshop, October 2024"}
    data.update(form)
    with capture(execute=True):
        response = client.post(reverse("newsletter:staff_import"), data)
    assert response.status_code == 302
    job = SubscriberImport.objects.latest("pk")
    assert response["Location"] == reverse("newsletter:staff_import_job", args=[job.pk])
    return job


def _start(client, capture, job):
    with capture(execute=True):
        response = client.post(reverse("newsletter:staff_import_start", args=[job.pk]))
    assert response.status_code == 302
    job.refresh_from_db()
    return job


def test_the_dry_run_reports_each_refused_line_and_writes_no_subscriber(
    staff_client, people, django_capture_on_commit_callbacks
):
    job = _upload_and_check(staff_client, django_capture_on_commit_callbacks)
    job.refresh_from_db()
    assert job.status == SubscriberImport.Status.CHECKED
    assert (job.total_rows, job.dry_added, job.dry_updated, job.dry_unchanged) == (11, 2, 1, 1)
    assert job.dry_refused == 7
    assert [refused[0] for refused in job.dry_refused_lines] == [3, 4, 5, 6, 7, 8, 11]
    page = staff_client.get(reverse("newsletter:staff_import_job", args=[job.pk])).content.decode()
    for text in (
        "“not-an-email” is not a valid email address.",
        "Unknown language “klingon”",
        "Unknown topics: unknown.",
        "Unknown country “ZZ”",
        "appears earlier in the file",
        "left the bulletin: an import never adds them back",
        "suppressed (bounced)",
        "Import 3 subscribers",
    ):
        assert text in page
    # Nothing but the job was written, and nobody was emailed.
    assert Subscriber.objects.count() == 4
    assert Subscriber.objects.get(email="waiting@example.org").name == "W"
    assert mail.outbox == []


def test_the_real_run_counts_what_the_dry_run_announced_and_keeps_the_consent_rules(
    staff_client, people, django_capture_on_commit_callbacks, settings
):
    settings.NEWSLETTER_IMPORT_CHUNK_ROWS = 3
    job = _upload_and_check(staff_client, django_capture_on_commit_callbacks)
    job = _start(staff_client, django_capture_on_commit_callbacks, job)
    assert job.status == SubscriberImport.Status.DONE
    assert (job.added, job.updated, job.unchanged, job.refused) == (
        job.dry_added,
        job.dry_updated,
        job.dry_unchanged,
        job.dry_refused,
    )
    assert job.refused_lines == job.dry_refused_lines
    assert job.rows_done == job.total_rows == 11
    ana = Subscriber.objects.get(email="ana@example.org")
    assert ana.status == Subscriber.Status.PENDING
    assert ana.consent_source == Subscriber.Source.IMPORT
    assert ana.consent_source_detail == "Workshop, October 2024"
    assert [t.slug for t in ana.topics.all()] == ["financing"]
    wendy = Subscriber.objects.get(email="waiting@example.org")
    assert (wendy.name, wendy.language, [t.slug for t in wendy.topics.all()]) == (
        "Wendy",
        "en",
        ["financing"],
    )
    # A confirmation link to each person added or updated; nobody who left is added back.
    assert sorted(m.to[0] for m in mail.outbox) == [
        "ana@example.org",
        "eve@example.org",
        "waiting@example.org",
    ]
    assert Subscriber.objects.get(email="left@example.org").status == "unsubscribed"
    assert Subscriber.objects.get(email="bounced@example.org").status == "unsubscribed"
    page = staff_client.get(reverse("newsletter:staff_import_job", args=[job.pk])).content.decode()
    assert "Result of the import" in page
    report = staff_client.get(reverse("newsletter:staff_import_refused", args=[job.pk]))
    lines = b"".join(report.streaming_content).decode("utf-8-sig").strip().splitlines()
    assert lines[0] == "line,email,reason"
    assert [line.split(",")[0] for line in lines[1:]] == ["3", "4", "5", "6", "7", "8", "11"]


def test_a_second_run_of_the_same_file_adds_nobody(
    staff_client, django_capture_on_commit_callbacks
):
    text = "email,name\nana@example.org,Ana\nben@example.org,Ben\n"
    for _round in (1, 2):
        job = _upload_and_check(
            staff_client, django_capture_on_commit_callbacks, text=text, consent_documented="on"
        )
        job = _start(staff_client, django_capture_on_commit_callbacks, job)
        assert job.status == SubscriberImport.Status.DONE
    assert (job.added, job.updated, job.unchanged, job.refused) == (0, 0, 2, 0)
    assert Subscriber.objects.filter(status=Subscriber.Status.CONFIRMED).count() == 2
    assert mail.outbox == []


def test_progress_is_saved_with_each_chunk_and_a_dead_workers_run_resumes(
    staff_client, people, django_capture_on_commit_callbacks, settings, monkeypatch
):
    settings.NEWSLETTER_IMPORT_CHUNK_ROWS = 4
    job = _upload_and_check(staff_client, django_capture_on_commit_callbacks)
    real_apply = imports._apply
    calls = []

    def dies_on_the_second_chunk(job_row, chunk):
        calls.append(len(chunk))
        if len(calls) == 2:
            raise SystemExit("worker killed")
        return real_apply(job_row, chunk)

    monkeypatch.setattr(imports, "_apply", dies_on_the_second_chunk)
    with pytest.raises(SystemExit):
        _start(staff_client, django_capture_on_commit_callbacks, job)
    job.refresh_from_db()
    # The first chunk and its progress were committed together; the second left nothing.
    assert (job.status, job.rows_done, job.added, job.refused) == ("importing", 4, 1, 3)
    assert Subscriber.objects.filter(email="ana@example.org").exists()
    assert not Subscriber.objects.filter(email="eve@example.org").exists()
    page = staff_client.get(reverse("newsletter:staff_import_job", args=[job.pk])).content.decode()
    assert "4 of 11 lines imported." in page
    assert 'hx-trigger="every 2s"' in page and 'http-equiv="refresh"' in page
    # While the dead worker's lease runs, the sweep leaves the job alone; then it resumes it.
    monkeypatch.setattr(imports, "_apply", real_apply)
    assert imports.subscriber_imports_resume() == []
    SubscriberImport.objects.filter(pk=job.pk).update(claimed_until=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        assert imports.subscriber_imports_resume() == [job.pk]
    job.refresh_from_db()
    assert job.status == SubscriberImport.Status.DONE
    assert (job.added, job.updated, job.unchanged, job.refused) == (2, 1, 1, 7)
    assert Subscriber.objects.filter(email__in=["ana@example.org", "eve@example.org"]).count() == 2


def test_a_second_worker_does_not_touch_a_claimed_run(
    staff_client, people, django_capture_on_commit_callbacks
):
    job = _upload_and_check(staff_client, django_capture_on_commit_callbacks)
    SubscriberImport.objects.filter(pk=job.pk).update(status="importing")
    assert imports._claim(job.pk, "first-worker")
    outcome = imports.subscriber_import_run(import_id=job.pk)
    assert outcome.lost_claim
    job.refresh_from_db()
    assert (job.rows_done, job.claim_token) == (0, "first-worker")
    assert Subscriber.objects.count() == 4
    # A chunk of a worker whose claim was taken over is refused under the row lock.
    assert not imports._write_chunk(job.pk, "someone-else", [], first_row=0)


def test_an_import_without_a_consent_source_is_refused_and_imports_nobody(staff_client):
    response = staff_client.post(
        reverse("newsletter:staff_import"), {"file": _upload(), "consent_source": " "}
    )
    assert response.status_code == 400
    assert b"Say where the consent of these people comes from" in response.content
    assert not SubscriberImport.objects.exists()


def test_a_consent_source_column_stands_in_for_the_form_field_line_by_line(
    staff_client, django_capture_on_commit_callbacks
):
    text = "email,consent_source\nana@example.org,Signed form 12\nben@example.org,\n"
    job = _upload_and_check(
        staff_client, django_capture_on_commit_callbacks, text=text, consent_source=""
    )
    job.refresh_from_db()
    assert (job.dry_added, job.dry_refused) == (1, 1)
    assert job.dry_refused_lines == [[3, "ben@example.org", "no_consent", {}]]
    job = _start(staff_client, django_capture_on_commit_callbacks, job)
    assert Subscriber.objects.get().consent_source_detail == "Signed form 12"


def test_a_file_without_an_email_column_says_so(staff_client):
    response = staff_client.post(
        reverse("newsletter:staff_import"),
        {"file": _upload("correo,nombre\na@example.org,A\n"), "consent_source": "x"},
    )
    assert response.status_code == 400
    assert "no “email” column" in response.content.decode()


def test_a_file_over_the_size_cap_is_refused(staff_client, settings):
    settings.NEWSLETTER_IMPORT_MAX_BYTES = 100
    response = staff_client.post(
        reverse("newsletter:staff_import"),
        {"file": _upload("email\n" + "a@example.org\n" * 20), "consent_source": "x"},
    )
    assert response.status_code == 400
    assert "the limit is 100" in response.content.decode()
    assert not SubscriberImport.objects.exists()


def test_refusals_are_said_in_the_language_of_whoever_reads_them(
    staff_client, moderator_with_totp, django_capture_on_commit_callbacks
):
    text = "email\nana@example.org\nANA@example.org\n"
    job = _upload_and_check(staff_client, django_capture_on_commit_callbacks, text=text)
    job.refresh_from_db()
    assert job.dry_refused_lines == [[3, "ANA@example.org", "duplicate", {}]]
    moderator_with_totp.language = "es"
    moderator_with_totp.save()
    # The Spanish page's address: a prefixed one (reverse() with English active) is in English.
    url = address("newsletter:staff_import_job", args=[job.pk])
    page = staff_client.get(url, HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Esta dirección aparece antes en el archivo." in page
