"""Importing a list of subscribers in the background: a dry run first, then the real run.

1. `subscriber_import_create` keeps the uploaded CSV on a `SubscriberImport` row and queues the dry
   run, `subscriber_import_check`: every line is read and classified exactly as the real run would
   (added, updated, left as it is, refused with a reason), and nothing but the job row is written.
2. Staff read that report and start the real run (`subscriber_import_start`). The task
   (`subscriber_import_run`) claims the job with a lease, then writes the file a chunk at a time:
   one transaction per chunk holds the chunk's subscribers (bulk_create and bulk_update), their
   topics, their confirmation emails (outbox rows) and the job's counts and position. A worker
   that dies loses at most its open chunk; once the lease runs out the sweep
   (`subscriber_imports_resume`, beat, every minute) queues the job again and the next worker
   goes on from the saved position. The claim token is checked under the row lock with each
   chunk, so two workers never write the same lines.

The rules are those of the one-request import it replaces: nobody who left (or bounced) is added
back; every person has a consent source (the form's, or the file's `consent_source` column);
without documented consent people are "pending" and receive a confirmation link.
"""

from __future__ import annotations

import csv
import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from iapt_platform.lib.queueing import delay_on_commit

from .. import conf
from ..consent import CONSENT_VERSION
from ..models import Subscriber, SubscriberImport, Topic
from .subscribers import (
    SubscriptionError,
    confirmation_queue,
    import_refusal_text,
    import_row_clean,
)

ADDED, UPDATED, UNCHANGED, REFUSED = "added", "updated", "unchanged", "refused"
UPDATE_FIELDS = [
    "name",
    "language",
    "country",
    "status",
    "consent_source",
    "consent_source_detail",
    "consent_ip",
    "consent_at",
    "confirmed_at",
    "consent_text_version",
    "confirmation_sent_at",
    "updated_at",
]


@dataclass
class Line:
    """A data line of the file: its number (the header is line 1), the address as written, and
    either clean data or why it is refused."""

    number: int
    email: str
    data: dict[str, Any] | None
    reason: str = ""  # a code of IMPORT_REFUSALS
    params: dict[str, Any] = field(default_factory=dict)


@dataclass
class Tally:
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    # [line, email, refusal code, its values]: said in the reader's language when shown.
    refused: list[list[Any]] = field(default_factory=list)

    def count(self, outcome: str, line: Line, reason: tuple[str, dict] | None = None) -> None:
        if outcome == REFUSED:
            code, params = reason or (line.reason, line.params)
            self.refused.append([line.number, line.email, code, params])
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


# --- Reading the file ------------------------------------------------------------------------
def _reader(text: str) -> csv.DictReader:
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in (reader.fieldnames or [])]
    if "email" not in header:
        raise SubscriptionError(_("The file has no “email” column in its first line."))
    reader.fieldnames = header
    return reader


def _lines(job: SubscriberImport) -> Iterator[Line]:
    """Every data line of the file, cleaned; the second of two lines with one address is refused."""
    topics_by_slug = {t.slug: t for t in Topic.objects.all()}
    seen: set[str] = set()
    for number, row in enumerate(_reader(job.text), start=2):
        email = (row.get("email") or "").strip()[:254]
        try:
            data = import_row_clean(row, topics_by_slug)
        except ValidationError as error:
            yield Line(number, email, None, error.code or "", error.params or {})
            continue
        if data["email"] in seen:
            yield Line(number, email, None, "duplicate")
            continue
        seen.add(data["email"])
        data["consent_source"] = data["consent_source"] or job.consent_source
        if not data["consent_source"]:
            yield Line(number, email, None, "no_consent")
            continue
        yield Line(number, email, data)


def _chunks(lines: Iterator[Line], size: int) -> Iterator[list[Line]]:
    chunk: list[Line] = []
    for line in lines:
        chunk.append(line)
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _outcome(line: Line, existing: Subscriber | None) -> tuple[str, tuple[str, dict] | None]:
    """What the real run does with a line, given the subscriber with its address (if any)."""
    if line.data is None:
        return REFUSED, (line.reason, line.params)
    if existing is None:
        return ADDED, None
    if existing.status == Subscriber.Status.UNSUBSCRIBED:
        if existing.suppressed_reason:
            return REFUSED, ("suppressed", {"reason": existing.suppressed_reason})
        return REFUSED, ("left", {})
    if existing.status in (Subscriber.Status.CONFIRMED, Subscriber.Status.PAUSED):
        return UNCHANGED, None
    return UPDATED, None  # pending: new details, and the link again (or confirmed, if documented)


def _existing(lines: list[Line], *, lock: bool) -> dict[str, Subscriber]:
    emails = [line.data["email"] for line in lines if line.data is not None]
    queryset = Subscriber.objects.filter(email__in=emails)
    if lock:
        queryset = queryset.select_for_update()
    return {s.email: s for s in queryset}


# --- Creating and checking -------------------------------------------------------------------
@transaction.atomic
def subscriber_import_create(
    *, text: str, file_name: str, consent_source: str, consent_documented: bool, by: Any
) -> SubscriberImport:
    """Keep the file and queue its dry run. Raises SubscriptionError for a file that cannot be
    imported at all (no email column; no consent source anywhere)."""
    reader = _reader(text)
    consent_source = consent_source.strip()
    if not consent_source and "consent_source" not in (reader.fieldnames or []):
        raise SubscriptionError(
            _("Say where the consent of these people comes from (the consent source).")
        )
    job = SubscriberImport.objects.create(
        created_by=by,
        file_name=file_name[:200],
        text=text,
        consent_source=consent_source[:300],
        consent_documented=consent_documented,
    )
    from .. import tasks  # the tasks import this module

    # No run in the request if the broker is away: the sweep queues the dry run again.
    delay_on_commit(tasks.check_subscriber_import, job.pk)
    return job


def subscriber_import_check(*, import_id: int) -> SubscriberImport | None:
    """The dry run: classify every line as the real run would, writing nothing but the job."""
    job = SubscriberImport.objects.filter(pk=import_id, status=SubscriberImport.Status.CHECKING)
    loaded = job.first()
    if loaded is None:
        return None  # checked already (a second copy of the task)
    tally, total = Tally(), 0
    for chunk in _chunks(_lines(loaded), conf.import_chunk_rows()):
        existing = _existing(chunk, lock=False)
        for line in chunk:
            outcome, reason = _outcome(line, existing.get((line.data or {}).get("email", "")))
            tally.count(outcome, line, reason)
        total += len(chunk)
    job.update(
        status=SubscriberImport.Status.CHECKED,
        total_rows=total,
        dry_added=tally.added,
        dry_updated=tally.updated,
        dry_unchanged=tally.unchanged,
        dry_refused=len(tally.refused),
        dry_refused_lines=tally.refused,
        updated_at=timezone.now(),
    )
    return SubscriberImport.objects.get(pk=import_id)


# --- The real run ----------------------------------------------------------------------------
def subscriber_import_start(*, job: SubscriberImport) -> bool:
    """Staff read the dry run and start the import; False if it was started already."""
    now = timezone.now()
    started = SubscriberImport.objects.filter(
        pk=job.pk, status=SubscriberImport.Status.CHECKED
    ).update(status=SubscriberImport.Status.IMPORTING, started_at=now, updated_at=now)
    if started:
        from .. import tasks

        delay_on_commit(tasks.run_subscriber_import, job.pk)
    return bool(started)


@dataclass
class RunOutcome:
    chunks: int = 0
    continue_later: bool = False  # the time budget ran out: a new task goes on
    lost_claim: bool = False  # another worker holds the job


def _claim(import_id: int, token: str) -> bool:
    now = timezone.now()
    return bool(
        SubscriberImport.objects.filter(pk=import_id, status=SubscriberImport.Status.IMPORTING)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(
            claim_token=token,
            claimed_until=now + timedelta(seconds=conf.import_lease_seconds()),
            updated_at=now,
        )
    )


def subscriber_import_run(*, import_id: int) -> RunOutcome:
    """Write the file from where the job got to, chunk by chunk, until done or out of time."""
    token = uuid.uuid4().hex
    outcome = RunOutcome()
    if not _claim(import_id, token):
        outcome.lost_claim = True
        return outcome
    job = SubscriberImport.objects.get(pk=import_id)
    started = time.monotonic()
    done = job.rows_done
    lines = _lines(job)
    for _skipped in range(done):  # what earlier workers wrote (their chunks committed)
        next(lines, None)
    for chunk in _chunks(lines, conf.import_chunk_rows()):
        if not _write_chunk(import_id, token, chunk, first_row=done):
            outcome.lost_claim = True
            return outcome
        done += len(chunk)
        outcome.chunks += 1
        if time.monotonic() - started > conf.import_time_budget():
            # Hand over: the next task claims afresh (the sweep requeues it if it is lost).
            SubscriberImport.objects.filter(pk=import_id, claim_token=token).update(
                claim_token="", claimed_until=None, updated_at=timezone.now()
            )
            outcome.continue_later = True
            return outcome
    now = timezone.now()
    SubscriberImport.objects.filter(
        pk=import_id, claim_token=token, status=SubscriberImport.Status.IMPORTING
    ).update(
        status=SubscriberImport.Status.DONE,
        finished_at=now,
        updated_at=now,
        claim_token="",
        claimed_until=None,
    )
    return outcome


def _write_chunk(import_id: int, token: str, chunk: list[Line], *, first_row: int) -> bool:
    """One chunk and the job's progress in one transaction; False if the job is not ours."""
    for attempt in range(2):
        try:
            with transaction.atomic():
                job = SubscriberImport.objects.select_for_update().get(pk=import_id)
                if job.claim_token != token or job.rows_done != first_row:
                    return False
                tally = _apply(job, chunk)
                job.rows_done += len(chunk)
                job.added += tally.added
                job.updated += tally.updated
                job.unchanged += tally.unchanged
                job.refused += len(tally.refused)
                job.refused_lines = [*job.refused_lines, *tally.refused]
                job.claimed_until = timezone.now() + timedelta(seconds=conf.import_lease_seconds())
                job.save(
                    update_fields=[
                        "rows_done",
                        "added",
                        "updated",
                        "unchanged",
                        "refused",
                        "refused_lines",
                        "claimed_until",
                        "updated_at",
                    ]
                )
                return True
        except IntegrityError:
            # Someone subscribed one of these addresses since the lookup: read them again.
            if attempt:
                raise
    return False


def _apply(job: SubscriberImport, chunk: list[Line]) -> Tally:
    tally = Tally()
    existing = _existing(chunk, lock=True)
    now = timezone.now()
    created: list[Subscriber] = []
    changed: list[Subscriber] = []
    topics: dict[str, list[Topic]] = {}
    for line in chunk:
        current = existing.get((line.data or {}).get("email", ""))
        outcome, reason = _outcome(line, current)
        tally.count(outcome, line, reason)
        if outcome not in (ADDED, UPDATED):
            continue
        assert line.data is not None
        subscriber = current or Subscriber(email=line.data["email"])
        _fill(subscriber, line.data, documented=job.consent_documented, now=now)
        (created if current is None else changed).append(subscriber)
        topics[subscriber.email] = line.data["topics"]
    Subscriber.objects.bulk_create(created, batch_size=500)
    Subscriber.objects.bulk_update(changed, UPDATE_FIELDS, batch_size=500)
    _set_topics(created, changed, topics)
    if not job.consent_documented:
        for subscriber in (*created, *changed):
            confirmation_queue(subscriber=subscriber)
    return tally


def _fill(subscriber: Subscriber, data: dict[str, Any], *, documented: bool, now: Any) -> None:
    subscriber.name = data["name"] or subscriber.name
    subscriber.language = data["language"]
    subscriber.country = data["country"]
    subscriber.consent_source = Subscriber.Source.IMPORT
    subscriber.consent_source_detail = data["consent_source"][:300]
    subscriber.consent_ip = None
    subscriber.updated_at = now
    if documented:
        subscriber.status = Subscriber.Status.CONFIRMED
        subscriber.confirmed_at = subscriber.consent_at = now
        # The text they agreed to is the one named by the documented source, not ours.
        subscriber.consent_text_version = "import"
    else:
        subscriber.status = Subscriber.Status.PENDING
        subscriber.consent_text_version = CONSENT_VERSION
        subscriber.confirmation_sent_at = now


def _set_topics(
    created: list[Subscriber], changed: list[Subscriber], topics: dict[str, list[Topic]]
) -> None:
    through = Subscriber.topics.through
    if changed:
        through.objects.filter(subscriber_id__in=[s.pk for s in changed]).delete()
    through.objects.bulk_create(
        [
            through(subscriber_id=s.pk, topic_id=t.pk)
            for s in (*created, *changed)
            for t in topics[s.email]
        ],
        batch_size=1000,
    )


# --- The sweep -------------------------------------------------------------------------------
def subscriber_imports_resume() -> list[int]:
    """Beat: queue again the dry runs and runs whose task was lost or whose worker died."""
    now = timezone.now()
    stale = now - timedelta(seconds=conf.import_lease_seconds())
    checks = list(
        SubscriberImport.objects.filter(
            status=SubscriberImport.Status.CHECKING, updated_at__lt=stale
        ).values_list("pk", flat=True)
    )
    runs = list(
        SubscriberImport.objects.filter(status=SubscriberImport.Status.IMPORTING)
        .filter(Q(claimed_until__lt=now) | Q(claimed_until__isnull=True, updated_at__lt=stale))
        .values_list("pk", flat=True)
    )
    from .. import tasks

    for pk in checks:
        SubscriberImport.objects.filter(pk=pk).update(updated_at=now)
        delay_on_commit(tasks.check_subscriber_import, pk)
    for pk in runs:
        delay_on_commit(tasks.run_subscriber_import, pk)
    return checks + runs


def refused_rows(job: SubscriberImport, *, limit: int | None = None) -> list[list[Any]]:
    """The refused lines of the run if it ran, else of the dry run, as [line, email, reason] in
    the current language."""
    if job.status in (SubscriberImport.Status.IMPORTING, SubscriberImport.Status.DONE):
        lines = job.refused_lines
    else:
        lines = job.dry_refused_lines
    return [
        [number, email, import_refusal_text(code, params)]
        for number, email, code, params in lines[:limit]
    ]
