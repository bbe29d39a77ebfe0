"""Sending an issue to its subscribers without losing anyone and without sending twice.

1. `issue_prepare` (a task on the "bulk" queue) freezes each edition's rendering, creates one
   `Delivery` row per recipient in one INSERT ... SELECT (the unique constraint makes a second run a
   no-op) and queues chunk tasks of a few hundred rows.
2. `deliveries_send_chunk` claims the chunk's pending rows ("sending", in one commit), opens ONE
   connection, and for each row re-reads the subscriber (whoever left since is skipped), waits for
   the rate limit, sends, and marks the row sent in its own commit right after the server accepted
   the message. A worker killed between "accepted" and that commit sends that one message twice
   when the row is retried; nothing is lost.
3. `deliveries_requeue_stuck` (beat, every minute) gives rows stuck in "sending" for N minutes
   back to "pending" and re-queues issues that stopped moving: chunks whose task was lost or
   never queued (the broker away), and the prepare task of an issue with no rows N minutes
   after "send".
Temporary errors (4xx, lost connections) put the rest of the chunk back and the task retries with
backoff; permanent ones (5xx) are recorded on the row as failed.

This module is the send's bookkeeping. The SMTP side (a message's bytes, pipelining, the rate
limit, what a refusal means) is `newsletter/transport.py`; the two statements run for every
message, `newsletter/prepared_sql.py`; who receives an issue and how far its send is,
`newsletter/selectors.py`.
"""

from __future__ import annotations

import contextlib
import smtplib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TypeGuard

from django.conf import settings
from django.core.mail import get_connection
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from iapt_platform.lib.queueing import delay_on_commit

from .. import conf, selectors, transport
from ..models import Delivery, Issue, Subscriber
from ..prepared_sql import HotStatements, SubscriberRow, fast_commits
from ..rendering import RenderedEdition, freeze_editions, frozen_editions

FALLBACK_LANGUAGES = [code for code, _name in settings.LANGUAGES]


# --- Starting a send -------------------------------------------------------------------------
def deliveries_create(*, issue: Issue) -> int:
    """One pending row per recipient, in one statement; rows that exist are left alone."""
    recipients = (
        selectors.issue_recipients(issue=issue).order_by().annotate(nl_sid=F("pk")).values("nl_sid")
    )
    select_sql, params = recipients.query.sql_with_params()
    table = Delivery._meta.db_table
    # INSERT ... SELECT keeps 100,000 ids out of Python; "WHERE true" lets SQLite parse ON CONFLICT.
    # In subscriber order: rows (and so messages) follow the order people subscribed in, whatever
    # order the database happens to scan the table in.
    sql = (
        f"INSERT INTO {table} "  # noqa: S608 (table name from the model; values are parameters)
        "(issue_id, subscriber_id, status, attempts, last_error, message_id, language) "
        f"SELECT %s, r.nl_sid, %s, 0, '', '', '' FROM ({select_sql}) AS r WHERE true "
        "ORDER BY r.nl_sid ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [issue.pk, Delivery.Status.PENDING, *params])
        return max(cursor.rowcount, 0)


def issue_prepare(*, issue_id: int) -> int:
    """Freeze the editions, create the rows and queue the chunks. Safe to run again."""
    issue = Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).first()
    if issue is None:
        return 0
    freeze_editions(issue)
    created = deliveries_create(issue=issue)
    deliveries_enqueue(issue_id=issue.pk)
    issue_finish_if_done(issue_id=issue.pk)
    return created


def deliveries_enqueue(*, issue_id: int) -> int:
    """Queue a chunk task for each run of pending rows; returns how many tasks were queued."""
    from .. import tasks

    ids = list(
        Delivery.objects.filter(issue_id=issue_id, status=Delivery.Status.PENDING)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    size = conf.chunk_size()
    ranges = [(ids[i], ids[min(i + size, len(ids)) - 1]) for i in range(0, len(ids), size)]
    Issue.objects.filter(pk=issue_id).update(enqueued_at=timezone.now())
    for first, last in ranges:
        # Never run in this process when the broker is away: thousands of messages do not belong
        # in the request or the beat tick that queued them. The rows stay pending with
        # `enqueued_at` set, and the sweeper queues them again once that is N minutes old.
        delay_on_commit(tasks.send_chunk, issue_id, first, last)
    return len(ranges)


def issue_finish_if_done(*, issue_id: int) -> bool:
    unfinished = Delivery.objects.filter(
        issue_id=issue_id, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).exists()
    if unfinished:
        return False
    finished = Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
        status=Issue.Status.SENT, sent_at=timezone.now()
    )
    if finished:  # update() sends no signal: the archive shows the issue from now on
        from ..selectors import BULLETIN_VERSION

        BULLETIN_VERSION.bump_around_commit()
    return bool(finished)


# --- Sending a chunk -------------------------------------------------------------------------
@dataclass
class ChunkOutcome:
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    released: int = 0  # rows handed back to "pending" (temporary error or time budget)
    temporary_error: str = ""  # set when the task should retry with backoff
    continue_later: bool = False  # the time budget ran out: the rest goes to a new task
    errors: list[str] = field(default_factory=list)


def _claim(*, issue_id: int, first_id: int, last_id: int) -> list[tuple[int, int]]:
    """Take the chunk's pending rows for this worker: (delivery id, subscriber id) pairs."""
    with transaction.atomic():
        rows = list(
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(
                issue_id=issue_id,
                pk__gte=first_id,
                pk__lte=last_id,
                status=Delivery.Status.PENDING,
            )
            .order_by("pk")
            .values_list("pk", "subscriber_id")
        )
        Delivery.objects.filter(pk__in=[pk for pk, _s in rows]).update(
            status=Delivery.Status.SENDING, claimed_at=timezone.now()
        )
    return rows


def _release(ids: list[int]) -> int:
    if not ids:
        return 0
    return Delivery.objects.filter(pk__in=ids, status=Delivery.Status.SENDING).update(
        status=Delivery.Status.PENDING
    )


def _skip(outcome: ChunkOutcome, delivery_id: int) -> None:
    """The subscriber left (or no edition suits them): the row is closed, nothing sent."""
    Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SKIPPED)
    outcome.skipped += 1


def _stop(
    outcome: ChunkOutcome, rows: list[tuple[int, int]], *, temporary_error: str = ""
) -> ChunkOutcome:
    """End the chunk and give `rows` (those not sent yet) back to "pending": with a temporary
    error the task retries with backoff; without one, the chunk's time is up and a new task
    takes the rest."""
    outcome.released += _release([pk for pk, _s in rows])
    if temporary_error:
        outcome.temporary_error = temporary_error
    else:
        outcome.continue_later = True
    return outcome


def _describe(error: Exception) -> str:
    return f"{type(error).__name__}: {error}"[:500]


def _confirmed(row: SubscriberRow | None) -> TypeGuard[SubscriberRow]:
    return row is not None and row[0] == Subscriber.Status.CONFIRMED


def _edition(editions: dict[str, RenderedEdition], language: str) -> RenderedEdition | None:
    """The subscriber's language, else the first of the site's languages the issue has."""
    return editions.get(language) or next(
        (editions[code] for code in FALLBACK_LANGUAGES if code in editions), None
    )


def deliveries_send_chunk(*, issue_id: int, first_id: int, last_id: int) -> ChunkOutcome:
    outcome = ChunkOutcome()
    rows = _claim(issue_id=issue_id, first_id=first_id, last_id=last_id)
    if not rows:
        return outcome
    editions = frozen_editions(issue_id)
    deadline = time.monotonic() + conf.chunk_time_budget()
    mail_connection = get_connection()
    try:
        mail_connection.open()
    except (smtplib.SMTPException, OSError) as error:
        # The server cannot be reached: the whole chunk goes back and the task retries later
        # (without this the rows would wait for the sweeper, and no attempt is used up).
        return _stop(outcome, rows, temporary_error=_describe(error))
    try:
        with HotStatements() as hot, fast_commits():
            _send_rows(
                rows,
                outcome,
                issue_id=issue_id,
                editions=editions,
                sender=transport.Sender(mail_connection, editions, issue_id),
                hot=hot,
                deadline=deadline,
            )
    finally:
        with contextlib.suppress(Exception):  # a broken connection is closed anyway
            mail_connection.close()
    issue_finish_if_done(issue_id=issue_id)
    return outcome


def _send_rows(
    rows: list[tuple[int, int]],
    outcome: ChunkOutcome,
    *,
    issue_id: int,
    editions: dict[str, RenderedEdition],
    sender: transport.Sender,
    hot: HotStatements,
    deadline: float,
) -> None:
    """Each claimed row in turn, over the chunk's one connection, each "sent" mark committed on
    its own; stops at the first temporary error or when the chunk's time is up."""
    limiter = transport.RateLimiter(conf.rate_limit())
    host = conf.mail_host()
    prefetched: tuple[int, SubscriberRow | None] | None = None
    for index, (delivery_id, subscriber_id) in enumerate(rows):
        if time.monotonic() > deadline:
            _stop(outcome, rows[index:])
            return
        # Read at send time: whoever left a moment ago gets nothing more. (The read usually
        # came with the previous row's "sent" mark, an instant ago.)
        if prefetched is not None and prefetched[0] == subscriber_id:
            current = prefetched[1]
        else:
            current = hot.subscriber(subscriber_id)
        prefetched = None
        if not _confirmed(current) or (rendered := _edition(editions, current[2])) is None:
            _skip(outcome, delivery_id)
            continue
        email = current[1]
        waited = limiter.wait(deadline)
        if waited is None:  # paused past the chunk's time: the rest goes back to pending
            _stop(outcome, rows[index:])
            return
        if waited:
            # It slept for the rate limit: read again, just before sending.
            current = hot.subscriber(subscriber_id)
            if not _confirmed(current):
                _skip(outcome, delivery_id)
                continue
            email = current[1]
        try:
            sender.send(rendered=rendered, subscriber_id=subscriber_id, email=email)
        except Exception as error:  # classified below: nothing escapes unrecorded
            description = _describe(error)
            if transport.is_permanent(error):
                Delivery.objects.filter(pk=delivery_id).update(
                    status=Delivery.Status.FAILED,
                    attempts=F("attempts") + 1,
                    last_error=description,
                )
                outcome.failed += 1
                continue
            # A refused message counts as an attempt; a server that cannot be reached does not
            # (an outage must not use up the attempts of whichever row was next).
            _record_temporary(delivery_id, description, count_attempt=transport.was_refused(error))
            _stop(outcome, rows[index:], temporary_error=description)
            return
        # Its own commit, right after the server accepted the message.
        following = rows[index + 1][1] if index + 1 < len(rows) else None
        row = hot.mark_sent(
            delivery_id,
            transport.message_id(issue_id, subscriber_id, host=host),
            language=rendered.language,
            then_read=following,
        )
        if following is not None:
            prefetched = (following, row)
        outcome.sent += 1


def _record_temporary(delivery_id: int, description: str, *, count_attempt: bool) -> None:
    """Record the error; a row refused too often is given up as failed."""
    if not count_attempt:
        Delivery.objects.filter(pk=delivery_id).update(last_error=description)
        return
    Delivery.objects.filter(pk=delivery_id).update(
        attempts=F("attempts") + 1, last_error=description
    )
    Delivery.objects.filter(pk=delivery_id, attempts__gte=conf.max_attempts()).update(
        status=Delivery.Status.FAILED
    )


# --- Recovery --------------------------------------------------------------------------------
@dataclass
class SweepResult:
    reset: int = 0
    requeued_issues: list[int] = field(default_factory=list)
    finished_issues: list[int] = field(default_factory=list)


def deliveries_requeue_stuck(*, older_than: timedelta | None = None) -> SweepResult:
    """Rows claimed by a worker that died go back to "pending"; issues that stopped moving are
    queued again; issues with nothing left are marked sent."""
    if older_than is None:
        older_than = timedelta(minutes=conf.stuck_minutes())
    cutoff = timezone.now() - older_than
    result = SweepResult()
    for issue in Issue.objects.filter(status=Issue.Status.SENDING):
        if not Delivery.objects.filter(issue=issue).exists():
            # No rows yet is not "none left": the prepare task is waiting its turn, was lost, or
            # was never queued (the broker was away when "send" was pressed). Past the patience,
            # run it again (it is idempotent, and finishes an issue that has no recipients).
            if issue.send_started_at and issue.send_started_at <= cutoff:
                from .. import tasks

                # Never run in this process when the broker is away (preparing writes a row per
                # recipient); this sweep comes again in a minute.
                delay_on_commit(tasks.prepare_issue, issue.pk)
                result.requeued_issues.append(issue.pk)
            continue
        result.reset += Delivery.objects.filter(
            issue=issue, status=Delivery.Status.SENDING, claimed_at__lte=cutoff
        ).update(status=Delivery.Status.PENDING)
        if issue_finish_if_done(issue_id=issue.pk):
            result.finished_issues.append(issue.pk)
            continue
        last_claim = Delivery.objects.filter(issue=issue).aggregate(last=Max("claimed_at"))["last"]
        idle = last_claim is None or last_claim <= cutoff
        queued_long_ago = issue.enqueued_at is None or issue.enqueued_at <= cutoff
        if idle and queued_long_ago:
            deliveries_enqueue(issue_id=issue.pk)
            result.requeued_issues.append(issue.pk)
    return result
