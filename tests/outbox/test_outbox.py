"""The outbox: a row per transactional email, written in the caller's transaction, sent by a
task that takes its id, swept when its task was lost, retried with backoff, given up into
`failed` for a moderator to retry."""

import datetime as dt
import smtplib
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, transaction
from django.test import Client
from kombu.exceptions import OperationalError

from iapt_platform.lib import emails
from iapt_platform.lib import tasks as email_tasks
from iapt_platform.outbox import services
from iapt_platform.outbox.models import OutgoingEmail
from tests.community.test_digest_durability import FlakyServer

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 3, 2, 12, 0, tzinfo=dt.UTC)
REFUSING_SERVER = "tests.community.test_digest_durability.FlakyServer"
ICS = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nEND:VCALENDAR\r\n"


@pytest.fixture
def refusing_server(settings):
    """The mail server drops the connection before accepting anything, until `down` is False."""
    settings.EMAIL_BACKEND = REFUSING_SERVER
    FlakyServer.down = True
    yield FlakyServer
    FlakyServer.down = False


def welcome(member) -> None:
    emails.send(template="welcome", to=member)


def test_the_row_is_written_in_the_callers_transaction_and_sent_after_commit(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        welcome(member)
        row = OutgoingEmail.objects.get()  # visible inside the transaction, before the commit
        assert (row.status, row.recipients, row.template) == ("pending", [member.email], "welcome")
        assert mail.outbox == []

    assert [m.to for m in mail.outbox] == [[member.email]]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 1, "")
    assert row.sent_at is not None
    assert row.subject == mail.outbox[0].subject


def test_a_rolled_back_change_leaves_no_row_and_sends_nothing(
    member, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        welcome(member)
        raise RuntimeError("the request failed after the email was written")

    assert callbacks == []
    assert not OutgoingEmail.objects.exists()
    assert mail.outbox == []


def test_the_task_sends_a_row_once_however_often_it_runs(
    member, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):  # the task is not run yet
        welcome(member)
    row = OutgoingEmail.objects.get()

    email_tasks.send_email.delay(row.pk)
    email_tasks.send_email.delay(row.pk)  # redelivered after a worker kill, say

    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.get().status == "sent"


def test_attachments_travel_through_the_row(member, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        emails.send(
            template="welcome", to=member, attachments=[("invite.ics", ICS, "text/calendar")]
        )

    [message] = mail.outbox
    assert message.attachments[0][0] == "invite.ics"
    assert "BEGIN:VCALENDAR" in str(message.attachments[0][1])


def test_an_email_whose_task_was_lost_with_the_broker_is_sent_by_the_sweeper(
    member, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False) as clock:
        # Committed, but its task never runs (Redis restarted empty, or the worker was killed).
        with django_capture_on_commit_callbacks(execute=False):
            welcome(member)
        assert services.outgoing_sweep() == 0  # too recent: its own task may still run
        assert OutgoingEmail.objects.get().status == "pending"

        clock.shift(dt.timedelta(seconds=61))
        assert services.outgoing_sweep() == 1
        assert services.outgoing_sweep() == 0  # and nothing twice

    assert [m.to for m in mail.outbox] == [[member.email]]
    assert OutgoingEmail.objects.get().status == "sent"


def test_with_the_broker_and_the_mail_server_away_the_row_waits_for_the_sweeper(
    member, refusing_server, monkeypatch, django_capture_on_commit_callbacks
):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(email_tasks.send_email, "delay", refuse)
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            welcome(member)  # tried once in this process: the server refuses; no error page
        row = OutgoingEmail.objects.get()
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error == "SMTPServerDisconnected: Connection unexpectedly closed"

        refusing_server.down = False
        clock.shift(dt.timedelta(seconds=61))
        assert services.outgoing_sweep() == 1

    assert [m.to for m in mail.outbox] == [[member.email]]
    row.refresh_from_db()
    assert (row.status, row.attempts, row.last_error) == ("sent", 2, "")


def test_a_refusing_server_backs_off_doubling_then_the_row_fails_with_its_last_error(
    member, refusing_server, settings, django_capture_on_commit_callbacks
):
    settings.OUTBOX_MAX_ATTEMPTS = 4
    with time_machine.travel(T0, tick=False) as clock:
        with django_capture_on_commit_callbacks(execute=True):
            welcome(member)  # attempt 1, from its task
        waits = []
        for _attempt in range(3):
            row = OutgoingEmail.objects.get()
            waits.append((row.next_attempt_at - dt.datetime.now(dt.UTC)).total_seconds())
            assert services.outgoing_sweep() == 0  # not due yet: nothing tried
            clock.move_to(row.next_attempt_at)
            services.outgoing_sweep()

    row = OutgoingEmail.objects.get()
    assert waits == [60, 120, 240]
    assert (row.status, row.attempts) == ("failed", 4)
    assert "SMTPServerDisconnected" in row.last_error
    assert mail.outbox == []
    assert services.outgoing_sweep(now=T0 + dt.timedelta(days=1)) == 0  # failed: left alone


def test_a_sweep_stops_at_a_server_that_is_away_and_leaves_the_rest_untried(
    member, refusing_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False):
        for _ in range(3):
            welcome(member)

    services.outgoing_sweep(now=dt.datetime.now(dt.UTC) + dt.timedelta(minutes=5))

    assert sorted(OutgoingEmail.objects.values_list("attempts", flat=True)) == [0, 0, 1]


def test_send_now_records_a_sent_row_and_nothing_when_the_server_refuses(member, refusing_server):
    with pytest.raises(smtplib.SMTPServerDisconnected):
        emails.send_now(template="welcome", to=member)
    assert not OutgoingEmail.objects.exists()

    refusing_server.down = False
    emails.send_now(template="welcome", to=member)
    row = OutgoingEmail.objects.get()
    assert (row.status, row.attempts, row.template) == ("sent", 1, "welcome")
    assert len(mail.outbox) == 1


def test_a_payload_queued_before_the_outbox_is_still_sent(member):
    from dataclasses import asdict

    email_tasks.send_email.delay(asdict(emails.render(template="welcome", to=member)))

    assert [m.to for m in mail.outbox] == [[member.email]]
    assert OutgoingEmail.objects.get().status == "sent"


def test_old_rows_are_forgotten(member, django_capture_on_commit_callbacks, settings):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=True):
        welcome(member)
        welcome(member)
    OutgoingEmail.objects.filter(pk=OutgoingEmail.objects.last().pk).update(status="failed")

    assert services.outgoing_purge(now=T0 + dt.timedelta(days=29)) == 0
    assert services.outgoing_purge(now=T0 + dt.timedelta(days=31)) == 1  # the sent one
    assert services.outgoing_purge(now=T0 + dt.timedelta(days=181)) == 1  # the failed one


# --- The moderators' page -------------------------------------------------------------------------


@pytest.fixture
def failed_email(member, refusing_server, settings, django_capture_on_commit_callbacks):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    with django_capture_on_commit_callbacks(execute=True):
        welcome(member)
    refusing_server.down = False
    row = OutgoingEmail.objects.get()
    assert row.status == "failed"
    return row


@pytest.fixture
def moderator_client(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def test_the_page_lists_a_failure_and_its_retry_sends_it(
    failed_email, member, moderator_client, django_capture_on_commit_callbacks
):
    response = moderator_client.get("/outbox/")
    assert response.status_code == 200
    page = response.content.decode()
    assert failed_email.subject in page
    assert member.email in page
    assert "SMTPServerDisconnected: Connection unexpectedly closed" in page

    with django_capture_on_commit_callbacks(execute=True):
        response = moderator_client.post("/outbox/retry/", {"pk": failed_email.pk})
    assert response.status_code == 302
    failed_email.refresh_from_db()
    assert (failed_email.status, failed_email.attempts) == ("sent", 2)
    assert [m.to for m in mail.outbox] == [[member.email]]
    assert failed_email.subject not in moderator_client.get("/outbox/").content.decode()


def test_retry_all_sends_every_failed_email(
    failed_email, member, moderator_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        moderator_client.post("/outbox/retry/")

    assert OutgoingEmail.objects.get().status == "sent"
    assert len(mail.outbox) == 1


def test_a_pending_email_older_than_a_quarter_of_an_hour_shows_as_stuck(
    member, moderator_client, django_capture_on_commit_callbacks
):
    with time_machine.travel(T0, tick=False), django_capture_on_commit_callbacks(execute=False):
        welcome(member)
    with time_machine.travel(T0 + dt.timedelta(minutes=5), tick=False):
        assert "Stuck" not in moderator_client.get("/outbox/").content.decode()
    with time_machine.travel(T0 + dt.timedelta(minutes=16), tick=False):
        assert "Stuck" in moderator_client.get("/outbox/").content.decode()


def test_the_page_costs_the_same_queries_for_many_rows(
    member, moderator_client, refusing_server, settings, django_assert_max_num_queries
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    for _ in range(30):
        row = services.outgoing_create(email=emails.render(template="welcome", to=member))
        services.outgoing_send(pk=row.pk)
    assert OutgoingEmail.objects.filter(status="failed").count() == 30

    with django_assert_max_num_queries(12):
        assert moderator_client.get("/outbox/").status_code == 200


# --- PostgreSQL: two senders never send one row twice --------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_row_being_sent_elsewhere_is_skipped_not_sent_twice(member):
    import os

    if connection.vendor != "postgresql":
        assert not os.environ.get("CI"), "CI must run this test on PostgreSQL (DATABASE_URL)."
        pytest.skip("Row locks need PostgreSQL: set DATABASE_URL (CI sets it).")
    row = services.outgoing_create(email=emails.render(template="welcome", to=member))
    locked, release = threading.Event(), threading.Event()

    def another_worker() -> None:
        from django.db import connection as own

        with transaction.atomic():
            OutgoingEmail.objects.select_for_update().get(pk=row.pk)
            locked.set()
            release.wait(10)
        own.close()

    worker = threading.Thread(target=another_worker)
    worker.start()
    try:
        assert locked.wait(10)
        assert services.outgoing_send(pk=row.pk) is False  # skipped, not waited for
        assert services.outgoing_sweep(now=dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)) == 0
    finally:
        release.set()
        worker.join()
    assert services.outgoing_send(pk=row.pk) is True
    assert services.outgoing_send(pk=row.pk) is False
    assert len(mail.outbox) == 1
