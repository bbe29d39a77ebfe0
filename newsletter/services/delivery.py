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
   back to "pending" and re-queues issues that stopped moving.
Temporary errors (4xx, lost connections) put the rest of the chunk back and the task retries with
backoff; permanent ones (5xx) are recorded on the row as failed.
"""

from __future__ import annotations

import contextlib
import re
import smtplib
import time
from dataclasses import dataclass, field
from datetime import timedelta
from email.utils import parseaddr
from functools import partial
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.core.mail.message import sanitize_address
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import Count, Exists, F, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone

from iapt_platform.lib import one_click

from .. import conf
from ..models import Delivery, Issue, Subscriber
from ..rendering import (
    PREFERENCES_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    RenderedEdition,
    freeze_editions,
    frozen_editions,
)
from ..tokens import LinkTokens

FALLBACK_LANGUAGES = [code for code, _name in settings.LANGUAGES]


# --- Who receives an issue -------------------------------------------------------------------
def issue_languages(issue: Issue) -> list[str]:
    languages = list(issue.editions.values_list("language", flat=True))
    if issue.segment_languages:
        languages = [code for code in languages if code in issue.segment_languages]
    return languages


def issue_recipients(issue: Issue) -> QuerySet[Subscriber]:
    """Confirmed subscribers in the issue's segment.

    Languages: those of the editions (narrowed by the segment). Countries: any, or those chosen.
    Topics: a subscriber who chose topics receives an issue about one of them; one who chose none
    receives every issue.
    """
    queryset = Subscriber.objects.confirmed().filter(language__in=issue_languages(issue))
    if issue.segment_countries:
        queryset = queryset.filter(country__in=issue.segment_countries)
    topic_ids = list(issue.segment_topics.values_list("pk", flat=True))
    if topic_ids:
        through = Subscriber.topics.through
        chose_one = Exists(
            through.objects.filter(subscriber_id=OuterRef("pk"), topic_id__in=topic_ids)
        )
        chose_any = Exists(through.objects.filter(subscriber_id=OuterRef("pk")))
        queryset = queryset.filter(Q(chose_one) | ~Q(chose_any))
    return queryset


def deliveries_create(*, issue: Issue) -> int:
    """One pending row per recipient, in one statement; rows that exist are left alone."""
    recipients = issue_recipients(issue).order_by().annotate(nl_sid=F("pk")).values("nl_sid")
    select_sql, params = recipients.query.sql_with_params()
    table = Delivery._meta.db_table
    # INSERT ... SELECT keeps 100,000 ids out of Python; "WHERE true" lets SQLite parse ON CONFLICT.
    # In subscriber order: rows (and so messages) follow the order people subscribed in, whatever
    # order the database happens to scan the table in.
    sql = (
        f"INSERT INTO {table} (issue_id, subscriber_id, status, attempts, last_error, message_id) "  # noqa: S608 (table name from the model; values are parameters)
        f"SELECT %s, r.nl_sid, %s, 0, '', '' FROM ({select_sql}) AS r WHERE true "
        "ORDER BY r.nl_sid ON CONFLICT (issue_id, subscriber_id) DO NOTHING"
    )
    with db_connection.cursor() as cursor:
        cursor.execute(sql, [issue.pk, Delivery.Status.PENDING, *params])
        return max(cursor.rowcount, 0)


# --- Starting a send -------------------------------------------------------------------------
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
        transaction.on_commit(partial(tasks.send_chunk.delay, issue_id, first, last))
    return len(ranges)


def issue_finish_if_done(*, issue_id: int) -> bool:
    unfinished = Delivery.objects.filter(
        issue_id=issue_id, status__in=[Delivery.Status.PENDING, Delivery.Status.SENDING]
    ).exists()
    if unfinished:
        return False
    return bool(
        Issue.objects.filter(pk=issue_id, status=Issue.Status.SENDING).update(
            status=Issue.Status.SENT, sent_at=timezone.now()
        )
    )


# --- Sending a chunk -------------------------------------------------------------------------
class RateLimiter:
    """At most `per_second` messages a second across every worker (a counter per second in the
    shared cache; Redis in production)."""

    def __init__(self, per_second: float) -> None:
        self.per_second = per_second

    def wait(self, deadline: float | None = None) -> bool | None:
        """Wait for a free slot; True when it had to sleep, None when the deadline (a
        time.monotonic() value) came first: the caller gives its remaining rows back, so that a
        long pause (the cache away) never outlives the claim and the sweeper's patience."""
        if self.per_second <= 0:
            return False
        slept = False
        while True:
            if deadline is not None and time.monotonic() > deadline:
                return None
            now = time.time()
            key = f"newsletter:rate:{int(now)}"
            cache.add(key, 0, timeout=5)
            try:
                used = cache.incr(key)
            except ValueError:  # expired meanwhile, or the cache is away: sending pauses
                time.sleep(0.05)
                slept = True
                continue
            if used <= self.per_second:
                return slept
            time.sleep(max(int(now) + 1 - now, 0.001))
            slept = True


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


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _msg in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False  # our sender address: every message would fail, so retry and alert
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    try:
        from anymail.exceptions import AnymailRecipientsRefused
    except ImportError:  # pragma: no cover
        return False
    return isinstance(error, AnymailRecipientsRefused)


def build_message(
    *,
    rendered: RenderedEdition,
    issue_id: int,
    subscriber_id: int | str,
    email: str,
    unsubscribe: str,
    preferences: str,
    mail_connection=None,
) -> EmailMultiAlternatives:
    """One subscriber's message: their links, List-Unsubscribe (RFC 8058), a stable Message-ID."""
    html, text = rendered.personalise(unsubscribe=unsubscribe, preferences=preferences)
    headers = {
        "Message-ID": message_id(issue_id, subscriber_id),
        **one_click.headers(
            url=f"{settings.SITE_URL}/bulletin/unsubscribe/{unsubscribe}/", token=unsubscribe
        ),
        "List-Id": f"IAPT bulletin <bulletin.{conf.mail_host()}>",
        "Content-Language": rendered.language,
    }
    message = EmailMultiAlternatives(
        subject=rendered.subject,
        body=text,
        from_email=conf.from_email(),
        to=[email],
        headers=headers,
        connection=mail_connection,
    )
    message.attach_alternative(html, "text/html")
    return message


def message_id(issue_id: int, subscriber_id: int | str, *, host: str = "") -> str:
    return f"<issue-{issue_id}-sub-{subscriber_id}@{host or conf.mail_host()}>"


# Stand-ins for what differs per subscriber in the raw bytes of a message (see MessageTemplate).
SUBSCRIBER_PLACEHOLDER = "NLXSUBSCRIBERIDX"
RECIPIENT_PLACEHOLDER = "nlxrecipientx@nlx.invalid"
PLACEHOLDER_BYTES = tuple(
    p.encode()
    for p in (
        UNSUBSCRIBE_PLACEHOLDER,
        PREFERENCES_PLACEHOLDER,
        SUBSCRIBER_PLACEHOLDER,
        RECIPIENT_PLACEHOLDER,
    )
)


class MessageTemplate:
    """The MIME bytes of one edition's message, built once per chunk, with placeholders for the
    subscriber's address, id and tokens. Building MIME (header folding, the generator) costs more
    than sending over a local connection, so an SMTP send substitutes bytes instead.

    Only used when both parts are 8bit (the renderer keeps lines short for that): in a
    quoted-printable or base64 body a placeholder would not be found as it is.
    """

    # A group: split() keeps each placeholder found, between the text around it.
    PLACEHOLDERS = re.compile(b"(" + b"|".join(re.escape(p) for p in PLACEHOLDER_BYTES) + b")")

    def __init__(self, rendered: RenderedEdition, issue_id: int) -> None:
        message = build_message(
            rendered=rendered,
            issue_id=issue_id,
            subscriber_id=SUBSCRIBER_PLACEHOLDER,
            email=RECIPIENT_PLACEHOLDER,
            unsubscribe=UNSUBSCRIBE_PLACEHOLDER,
            preferences=PREFERENCES_PLACEHOLDER,
        )
        self.data = message.message().as_bytes(linesep="\r\n")
        self.usable = (
            b"quoted-printable" not in self.data.lower()
            and b"base64" not in self.data.lower()
            and self.data.count(UNSUBSCRIBE_PLACEHOLDER.encode()) >= 3
        )
        stuffed = re.sub(rb"(?m)^\.", b"..", self.data)
        self.stuffed = stuffed if stuffed.endswith(b"\r\n") else stuffed + b"\r\n"
        # [text, placeholder, text, ..., text]: a join per message copies the bytes once, where
        # a replace per placeholder would copy them four times.
        self.parts = self.PLACEHOLDERS.split(self.data)
        self.stuffed_parts = self.PLACEHOLDERS.split(self.stuffed)

    def render(
        self,
        *,
        subscriber_id: int,
        email: str,
        unsubscribe: str,
        preferences: str,
        stuffed: bool = False,
    ) -> bytes:
        # No substituted value contains a line break or starts a line, so dot-stuffing (RFC 5321
        # 4.5.2) can be done once on the template.
        values = dict(
            zip(
                PLACEHOLDER_BYTES,
                (
                    unsubscribe.encode(),
                    preferences.encode(),
                    str(subscriber_id).encode(),
                    email.encode(),
                ),
                strict=True,
            )
        )
        pieces = (self.stuffed_parts if stuffed else self.parts).copy()
        for index in range(1, len(pieces), 2):
            pieces[index] = values[pieces[index]]
        return b"".join(pieces)


class Sender:
    """Sends one subscriber's message over the chunk's one open connection."""

    def __init__(self, mail_connection, editions: dict[str, RenderedEdition], issue_id: int):
        self.connection = mail_connection
        self.editions = editions
        self.issue_id = issue_id
        self.templates: dict[str, MessageTemplate] = {}
        # Raw bytes only through Django's own SMTP backend; any other backend (an ESP's API,
        # tests' locmem) gets a regular EmailMessage.
        self.raw = isinstance(mail_connection, SMTPBackend)
        self.from_address = sanitize_address(conf.from_email(), "utf-8")
        # The envelope sender: the bare address of "Name <address>".
        self.envelope_from = parseaddr(self.from_address)[1]
        self.pipelining: bool | None = None  # known after the first EHLO
        self.tokens = LinkTokens()

    def _can_pipeline(self, smtp: smtplib.SMTP) -> bool:
        if self.pipelining is None:
            smtp.ehlo_or_helo_if_needed()
            self.pipelining = bool(smtp.has_extn("pipelining")) and self.envelope_from.isascii()
        return self.pipelining

    def send(self, *, rendered: RenderedEdition, subscriber_id: int, email: str) -> None:
        unsubscribe = self.tokens.unsubscribe(subscriber_id)
        preferences = self.tokens.preferences(subscriber_id)
        if self.raw:
            template = self.templates.get(rendered.language)
            if template is None:
                template = self.templates[rendered.language] = MessageTemplate(
                    rendered, self.issue_id
                )
            if template.usable and self.connection.connection is not None:
                smtp = self.connection.connection
                # A stored address is a validated addr-spec: plain ASCII needs no parsing (which
                # costs more per message than the rest of the building).
                address = email if email.isascii() else sanitize_address(email, "utf-8")
                pipelined = self._can_pipeline(smtp) and address.isascii()
                data = template.render(
                    subscriber_id=subscriber_id,
                    email=address,
                    unsubscribe=unsubscribe,
                    preferences=preferences,
                    stuffed=pipelined,
                )
                if pipelined:
                    pipelined_sendmail(smtp, self.envelope_from, address, data)
                else:
                    smtp.sendmail(self.from_address, [address], data)
                return
        message = build_message(
            rendered=rendered,
            issue_id=self.issue_id,
            subscriber_id=subscriber_id,
            email=email,
            unsubscribe=unsubscribe,
            preferences=preferences,
            mail_connection=self.connection,
        )
        self.connection.send_messages([message])


def pipelined_sendmail(smtp: smtplib.SMTP, sender: str, recipient: str, stuffed: bytes) -> None:
    """smtplib's sendmail with ESMTP PIPELINING (RFC 2920): MAIL, RCPT and DATA go in one write
    and their replies are read together, two round trips per message instead of four. Raises the
    exceptions sendmail raises, so that failures are classified the same way.

    `sender` and `recipient` are bare ASCII addresses; `stuffed` is the message already
    dot-stuffed and ending with CRLF.
    """
    envelope = f"MAIL FROM:<{sender}>\r\nRCPT TO:<{recipient}>\r\n"
    smtp.send((envelope + "DATA\r\n").encode("ascii"))
    mail_code, mail_reply = smtp.getreply()
    rcpt_code, rcpt_reply = smtp.getreply()
    data_code, data_reply = smtp.getreply()
    if data_code == 354 and (mail_code != 250 or rcpt_code not in (250, 251)):
        # A server that accepted DATA anyway gets an empty message, which it cannot deliver.
        smtp.send(b".\r\n")
        smtp.getreply()
    if mail_code != 250:
        _reset(smtp)
        raise smtplib.SMTPSenderRefused(mail_code, mail_reply, sender)
    if rcpt_code not in (250, 251):
        _reset(smtp)
        raise smtplib.SMTPRecipientsRefused({recipient: (rcpt_code, rcpt_reply)})
    if data_code != 354:
        _reset(smtp)
        raise smtplib.SMTPDataError(data_code, data_reply)
    smtp.send(stuffed + b".\r\n")
    code, reply = smtp.getreply()
    if code != 250:
        _reset(smtp)
        raise smtplib.SMTPDataError(code, reply)


def _reset(smtp: smtplib.SMTP) -> None:
    with contextlib.suppress(smtplib.SMTPException, OSError):
        smtp.rset()


class HotStatements:
    """The statements run for every message, as plain SQL through one cursor per chunk: the ORM
    would spend more CPU building them than the database spends running them.

    On PostgreSQL, marking a row sent and reading the next row's subscriber is one statement (a
    data-modifying WITH): one round trip and one commit per message. The UPDATE commits on its
    own, right after the server accepted the message, as before; the read happens just before
    the next message goes out. Both statements are prepared once per connection: parsing and
    planning them again for every message cost the database as much as running them.
    """

    def __init__(self) -> None:
        subscribers = Subscriber._meta.db_table
        deliveries = Delivery._meta.db_table
        self.read_sql = f"SELECT status, email, language FROM {subscribers} WHERE id = %s"  # noqa: S608 (table name from the model)
        self.sent_sql = (
            f"UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = attempts + 1, "  # noqa: S608 (table name from the model)
            "message_id = %s, last_error = '' WHERE id = %s"
        )
        self.sent_and_read_sql = (
            f"WITH sent AS ({self.sent_sql} RETURNING 1) "  # noqa: S608 (table names from the models)
            f"SELECT status, email, language FROM {subscribers} WHERE id = %s"
        )
        self.combined = db_connection.vendor == "postgresql"
        self._threshold: tuple[Any, int | None] | None = None
        self.cursor = self._prepared_cursor() if self.combined else db_connection.cursor()

    def _prepared_cursor(self):
        """A Django cursor (queries logged and wrapped as usual) over a psycopg cursor that binds
        parameters on the server and prepares its statements. Django's own cursors bind on the
        client and never prepare (for connection poolers); these two statements are prepared on
        the worker's own connection for the duration of a chunk. (Behind a pooler in transaction
        mode that needs protocol-level prepared statements, as PgBouncer 1.21+ has.)"""
        import psycopg

        db_connection.ensure_connection()
        raw = db_connection.connection
        if not isinstance(raw, psycopg.Connection):  # psycopg2: Django's own cursor, unprepared
            return db_connection.cursor()

        class PreparingCursor(psycopg.Cursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True, binary=binary)

        # With no threshold psycopg ignores prepare=True; a threshold no query reaches prepares
        # only what is asked for. Restored in close().
        self._threshold = (raw, raw.prepare_threshold)
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 2**31 - 1
        cursor = PreparingCursor(raw)
        if db_connection.queries_logged:
            return db_connection.make_debug_cursor(cursor)
        return db_connection.make_cursor(cursor)

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection is closed anyway
            self.cursor.close()
        if self._threshold is not None:
            raw, threshold = self._threshold
            raw.prepare_threshold = threshold

    def subscriber(self, subscriber_id: int) -> tuple[str, str, str] | None:
        self.cursor.execute(self.read_sql, [subscriber_id])
        return self.cursor.fetchone()

    def mark_sent(
        self, delivery_id: int, message: str, *, then_read: int | None = None
    ) -> tuple[str, str, str] | None:
        """Mark a row sent (its own commit); with `then_read`, also read that subscriber."""
        params: list[Any] = [SENT, timezone.now(), message, delivery_id]
        if then_read is not None and self.combined:
            self.cursor.execute(self.sent_and_read_sql, [*params, then_read])
            return self.cursor.fetchone()
        self.cursor.execute(self.sent_sql, params)
        return self.subscriber(then_read) if then_read is not None else None


SENT = str(Delivery.Status.SENT)


def _fast_commits() -> None:
    """On PostgreSQL, commits of this session do not wait for the disk (synchronous_commit off).

    A commit still survives the death of the worker (it is in the server's memory); only a crash
    of the database server itself within a fraction of a second could forget a "sent" mark, and
    that message would then be sent twice, never lost. Waiting for the disk on every message
    would cap the send at the disk's flush rate.
    """
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")


def _normal_commits() -> None:
    if db_connection.vendor == "postgresql":
        with db_connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def deliveries_send_chunk(*, issue_id: int, first_id: int, last_id: int) -> ChunkOutcome:
    outcome = ChunkOutcome()
    rows = _claim(issue_id=issue_id, first_id=first_id, last_id=last_id)
    if not rows:
        return outcome
    editions = frozen_editions(issue_id)
    limiter = RateLimiter(conf.rate_limit())
    deadline = time.monotonic() + conf.chunk_time_budget()
    mail_connection = get_connection()
    try:
        mail_connection.open()
    except (smtplib.SMTPException, OSError) as error:
        # The server cannot be reached: the whole chunk goes back and the task retries later
        # (without this the rows would wait for the sweeper, and no attempt is used up).
        outcome.released = _release([pk for pk, _s in rows])
        outcome.temporary_error = f"{type(error).__name__}: {error}"[:500]
        return outcome
    sender = Sender(mail_connection, editions, issue_id)
    host = conf.mail_host()
    hot: HotStatements | None = None
    try:
        hot = HotStatements()
        _fast_commits()
        prefetched: tuple[int, tuple[str, str, str] | None] | None = None
        for index, (delivery_id, subscriber_id) in enumerate(rows):
            if time.monotonic() > deadline:
                outcome.released += _release([pk for pk, _s in rows[index:]])
                outcome.continue_later = True
                break
            # Read at send time: whoever left a moment ago gets nothing more. (The read usually
            # came with the previous row's "sent" mark, an instant ago.)
            if prefetched is not None and prefetched[0] == subscriber_id:
                current = prefetched[1]
            else:
                current = hot.subscriber(subscriber_id)
            prefetched = None
            if current is None or current[0] != Subscriber.Status.CONFIRMED:
                Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SKIPPED)
                outcome.skipped += 1
                continue
            _status, email, language = current
            rendered = editions.get(language) or next(
                (editions[code] for code in FALLBACK_LANGUAGES if code in editions), None
            )
            if rendered is None:
                Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SKIPPED)
                outcome.skipped += 1
                continue
            waited = limiter.wait(deadline)
            if waited is None:  # paused past the chunk's time: the rest goes back to pending
                outcome.released += _release([pk for pk, _s in rows[index:]])
                outcome.continue_later = True
                break
            if waited:
                # It slept for the rate limit: read again, just before sending.
                current = hot.subscriber(subscriber_id)
                if current is None or current[0] != Subscriber.Status.CONFIRMED:
                    Delivery.objects.filter(pk=delivery_id).update(status=Delivery.Status.SKIPPED)
                    outcome.skipped += 1
                    continue
                email = current[1]
            try:
                sender.send(rendered=rendered, subscriber_id=subscriber_id, email=email)
            except Exception as error:  # classified below: nothing escapes unrecorded
                description = f"{type(error).__name__}: {error}"[:500]
                if _is_permanent(error):
                    Delivery.objects.filter(pk=delivery_id).update(
                        status=Delivery.Status.FAILED,
                        attempts=F("attempts") + 1,
                        last_error=description,
                    )
                    outcome.failed += 1
                    continue
                # A refused message counts as an attempt; a server that cannot be reached does not
                # (an outage must not use up the attempts of whichever row was next).
                _record_temporary(
                    delivery_id,
                    description,
                    count_attempt=isinstance(
                        error, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
                    ),
                )
                outcome.released += _release([pk for pk, _s in rows[index:]])
                outcome.temporary_error = description
                break
            # Its own commit, right after the server accepted the message.
            following = rows[index + 1][1] if index + 1 < len(rows) else None
            row = hot.mark_sent(
                delivery_id, message_id(issue_id, subscriber_id, host=host), then_read=following
            )
            if following is not None:
                prefetched = (following, row)
            outcome.sent += 1
    finally:
        if hot is not None:
            hot.close()
        _normal_commits()
        with contextlib.suppress(Exception):  # a broken connection is closed anyway
            mail_connection.close()
    issue_finish_if_done(issue_id=issue_id)
    return outcome


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


# --- Recovery and progress -------------------------------------------------------------------
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
        result.reset += Delivery.objects.filter(
            issue=issue, status=Delivery.Status.SENDING, claimed_at__lte=cutoff
        ).update(status=Delivery.Status.PENDING)
        if issue_finish_if_done(issue_id=issue.pk):
            result.finished_issues.append(issue.pk)
            continue
        if not Delivery.objects.filter(issue=issue).exists():
            # The prepare task itself was lost: run it again (it is idempotent).
            if issue.send_started_at and issue.send_started_at <= cutoff:
                from .. import tasks

                transaction.on_commit(partial(tasks.prepare_issue.delay, issue.pk))
                result.requeued_issues.append(issue.pk)
            continue
        last_claim = Delivery.objects.filter(issue=issue).aggregate(last=Max("claimed_at"))["last"]
        idle = last_claim is None or last_claim <= cutoff
        queued_long_ago = issue.enqueued_at is None or issue.enqueued_at <= cutoff
        if idle and queued_long_ago:
            deliveries_enqueue(issue_id=issue.pk)
            result.requeued_issues.append(issue.pk)
    return result


@dataclass
class Progress:
    total: int
    sent: int
    failed: int
    skipped: int
    remaining: int
    per_second: float
    # "minute" while sending (the last minute's pace), "send" once done (the whole send's).
    rate_over: str = "minute"

    @property
    def percent(self) -> int:
        done = self.sent + self.failed + self.skipped
        return round(100 * done / self.total) if self.total else 0


RATE_WINDOW = timedelta(seconds=60)


def issue_progress(*, issue: Issue) -> Progress:
    counts = dict(
        Delivery.objects.filter(issue=issue)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    now = timezone.now()
    sending = issue.status == Issue.Status.SENDING
    sent = Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT)
    if sending:
        sent = sent.filter(sent_at__gte=now - RATE_WINDOW)
    window = sent.aggregate(n=Count("pk"), first=Min("sent_at"), last=Max("sent_at"))
    return Progress(
        total=sum(counts.values()),
        sent=counts.get(Delivery.Status.SENT, 0),
        failed=counts.get(Delivery.Status.FAILED, 0),
        skipped=counts.get(Delivery.Status.SKIPPED, 0),
        remaining=counts.get(Delivery.Status.PENDING, 0) + counts.get(Delivery.Status.SENDING, 0),
        per_second=_rate(window, until=now if sending else None),
        rate_over="minute" if sending else "send",
    )


def _rate(window: dict[str, Any], *, until: Any) -> float:
    """Messages a second over the time they took: from the first to the last message (or to now,
    while the send runs, so that a stalled send shows its pace falling). Never less than a
    second: seven messages sent within one second are seven a second."""
    if not window["n"]:
        return 0.0
    seconds = ((until or window["last"]) - window["first"]).total_seconds()
    return round(window["n"] / max(seconds, 1.0), 1)
