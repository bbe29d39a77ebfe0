"""Writing, sending, sweeping and retrying outgoing emails.

A row is written in the caller's transaction (a rolled-back request leaves none) and its task is
queued once that transaction commits. Every send locks its row (`select_for_update(skip_locked)`)
for the time the mail server takes, and marks it sent in the same transaction: a second worker or
the sweeper skips a row being sent and finds a sent row no longer pending. A worker killed while
sending holds no lock any more (PostgreSQL ends its transaction), so the row is pending again for
the redelivered task or the sweeper; the one duplicate possible is a kill between the server's
acceptance and the commit. A failure is recorded on the row with its backoff; after
`OUTBOX_MAX_ATTEMPTS` the row is `failed` and waits for a moderator's retry.
"""

from __future__ import annotations

import datetime as dt
import logging
import smtplib
from dataclasses import asdict
from typing import Any

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.utils import timezone

from iapt_platform.lib.emails import RenderedEmail
from iapt_platform.lib.queueing import delay_on_commit

from .models import OutgoingEmail

logger = logging.getLogger(__name__)

RETRY_MAX = dt.timedelta(hours=1)  # the backoff doubles from OUTBOX_RETRY_SECONDS up to this
SWEEP_BATCH = 500  # rows one sweep sends at most; the next minute's sweep takes the rest
KEEP_FAILED = dt.timedelta(days=180)
# The server itself is away: the rest of a sweep would fail the same way, and wait.
SERVER_AWAY = (
    smtplib.SMTPServerDisconnected,
    smtplib.SMTPConnectError,
    ConnectionError,
    TimeoutError,
)


def _row(*, email: RenderedEmail, template: str, **fields: Any) -> OutgoingEmail:
    return OutgoingEmail.objects.create(
        recipients=email.to,
        template=template,
        language=email.language,
        subject=email.subject[:255],
        payload=asdict(email),
        **fields,
    )


def outgoing_create(*, email: RenderedEmail, template: str = "") -> OutgoingEmail:
    """A pending row for `email`, which the sweeper takes if no task sent it meanwhile."""
    # The sweeper leaves the row to its own task for a moment before it takes it over.
    due = timezone.now() + dt.timedelta(seconds=settings.OUTBOX_SWEEP_AFTER_SECONDS)
    return _row(email=email, template=template, next_attempt_at=due)


def outgoing_queue(*, email: RenderedEmail, template: str = "") -> OutgoingEmail:
    """Record `email` in the current transaction and send it from a worker once it commits."""
    from iapt_platform.lib import tasks  # the task module imports this one

    row = outgoing_create(email=email, template=template)
    # Sent from here if the broker is away: no wait for the sweeper when Redis restarts.
    delay_on_commit(tasks.send_email, row.pk, run_here_if_broker_down=True)
    return row


@transaction.atomic
def outgoing_send_now(*, email: RenderedEmail, template: str = "") -> OutgoingEmail:
    """Hand `email` to the mail server now and record it as sent, in the caller's transaction.

    For callers that record the sending themselves in that transaction (digests, forum
    notifications): if the server refuses, the exception rolls back their record and this row
    together, and their own next run sends it."""
    email.to_message().send()
    now = timezone.now()
    return _row(
        email=email,
        template=template,
        status=OutgoingEmail.Status.SENT,
        attempts=1,
        next_attempt_at=now,
        sent_at=now,
    )


def outgoing_send(*, pk: int, connection: Any = None) -> Exception | bool:
    """Send one pending row: True when sent, False when there was nothing to send (sent, failed,
    or being sent by someone else), the exception when the server refused (recorded)."""
    with transaction.atomic():
        row = (
            OutgoingEmail.objects.select_for_update(skip_locked=True)
            .filter(pk=pk, status=OutgoingEmail.Status.PENDING)
            .first()
        )
        if row is None:
            return False
        try:
            RenderedEmail(**row.payload).to_message(connection=connection).send()
        except Exception as error:  # whatever the backend raised: recorded, retried by the sweep
            _record_failure(row, error)
            return error
        row.status = OutgoingEmail.Status.SENT
        row.attempts += 1
        row.sent_at = timezone.now()
        row.last_error = ""
        row.save(update_fields=["status", "attempts", "sent_at", "last_error"])
    return True


def _record_failure(row: OutgoingEmail, error: Exception) -> None:
    row.attempts += 1
    row.last_error = f"{type(error).__name__}: {error}"[:2000]
    if row.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        row.status = OutgoingEmail.Status.FAILED
        logger.error("outgoing email %s failed %s times: %s", row.pk, row.attempts, row.last_error)
    else:
        delay = dt.timedelta(seconds=settings.OUTBOX_RETRY_SECONDS * 2 ** (row.attempts - 1))
        row.next_attempt_at = timezone.now() + min(delay, RETRY_MAX)
    row.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])


def outgoing_sweep(*, now: dt.datetime | None = None, limit: int = SWEEP_BATCH) -> int:
    """Send the pending rows that are due (their task lost with the broker or a killed worker, or
    their backoff over), oldest first, on one connection. Returns how many were sent."""
    due = list(
        OutgoingEmail.objects.due(now or timezone.now())
        .order_by("next_attempt_at", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    if not due:
        return 0
    sent = 0
    connection = get_connection()
    try:
        for pk in due:
            outcome = outgoing_send(pk=pk, connection=connection)
            if outcome is True:
                sent += 1
            elif isinstance(outcome, SERVER_AWAY):
                break
            elif isinstance(outcome, Exception):
                connection.close()  # a refused message can leave the session in any state
    finally:
        connection.close()
    return sent


def outgoing_retry(*, pks: list[int] | None = None) -> int:
    """Make failed (or waiting) rows due now and send them: the moderators' retry. `None`: every
    failed row. A retried row gets one attempt; failing again, it is failed again."""
    from iapt_platform.lib import tasks

    rows = OutgoingEmail.objects.exclude(status=OutgoingEmail.Status.SENT)
    rows = rows.filter(pk__in=pks) if pks is not None else rows.filter(status="failed")
    ids = list(rows.values_list("pk", flat=True))
    OutgoingEmail.objects.filter(pk__in=ids).exclude(status=OutgoingEmail.Status.SENT).update(
        status=OutgoingEmail.Status.PENDING, next_attempt_at=timezone.now()
    )
    for pk in ids:
        delay_on_commit(tasks.send_email, pk, run_here_if_broker_down=True)
    return len(ids)


def outgoing_purge(*, now: dt.datetime | None = None) -> int:
    """Forget sent rows after OUTBOX_KEEP_SENT_DAYS and failed ones after half a year."""
    now = now or timezone.now()
    sent, _ = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.SENT,
        sent_at__lt=now - dt.timedelta(days=settings.OUTBOX_KEEP_SENT_DAYS),
    ).delete()
    failed, _ = OutgoingEmail.objects.filter(
        status=OutgoingEmail.Status.FAILED, created_at__lt=now - KEEP_FAILED
    ).delete()
    return sent + failed
