"""Building an issue: editions, blocks, "fill from the platform", test sends, scheduling, sending."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from iapt_platform.lib import emails
from iapt_platform.lib.queueing import delay_on_commit

from .. import sources
from ..models import Block, Contribution, Edition, Issue, Topic
from ..rendering import render_edition

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
DEFAULT_SINCE = timedelta(days=30)  # what "since the last issue" means before the first one


class IssueError(ValueError):
    """A refused action, with a message for the staff member who tried it."""


def _editable(issue: Issue) -> None:
    if not issue.is_editable:
        raise IssueError(
            _("Issue #%(number)s is %(status)s and can no longer be changed.")
            % {"number": issue.number, "status": issue.get_status_display().lower()}
        )


@transaction.atomic
def issue_create(*, by: Any, languages: Iterable[str]) -> Issue:
    languages = [code for code in LANGUAGE_CODES if code in set(languages)]
    if not languages:
        raise IssueError(_("Choose at least one language."))
    # The lock on the last issue makes two staff members creating at once get different numbers.
    last = Issue.objects.select_for_update().order_by("-number").first()
    issue = Issue.objects.create(number=(last.number + 1) if last else 1, created_by=by)
    for code in languages:
        with translation.override(code):
            subject = _("IAPT bulletin no. %(number)s") % {"number": issue.number}
        Edition.objects.create(issue=issue, language=code, subject=subject)
    return issue


@transaction.atomic
def issue_update(
    *,
    issue: Issue,
    editions: dict[str, dict[str, str]],
    segment_languages: list[str],
    segment_countries: list[str],
    segment_topics: Iterable[Topic],
) -> Issue:
    """Subjects and preheaders per language; adds editions for new languages, removes dropped ones
    (at least one stays)."""
    _editable(issue)
    wanted = [code for code in LANGUAGE_CODES if code in editions]
    if not wanted:
        raise IssueError(_("An issue needs at least one edition."))
    issue.editions.exclude(language__in=wanted).delete()
    for code in wanted:
        Edition.objects.update_or_create(
            issue=issue,
            language=code,
            defaults={
                "subject": editions[code].get("subject", "").strip()[:200],
                "preheader": editions[code].get("preheader", "").strip()[:200],
            },
        )
    issue.segment_languages = [c for c in LANGUAGE_CODES if c in set(segment_languages)]
    issue.segment_countries = sorted(set(segment_countries))
    issue.save(update_fields=["segment_languages", "segment_countries", "updated_at"])
    issue.segment_topics.set(list(segment_topics))
    return issue


def _next_order(issue: Issue) -> int:
    last = issue.blocks.aggregate(last=Max("order"))["last"]
    return 0 if last is None else last + 1


@transaction.atomic
def block_add(
    *,
    issue: Issue,
    kind: str,
    content: dict[str, dict[str, str]] | None = None,
    link_url: str = "",
    image_url: str = "",
) -> Block:
    _editable(issue)
    return Block.objects.create(
        issue=issue,
        kind=kind,
        order=_next_order(issue),
        content=content or {},
        link_url=link_url,
        image_url=image_url,
    )


@transaction.atomic
def block_update(
    *,
    block: Block,
    kind: str,
    content: dict[str, dict[str, str]],
    link_url: str,
    image_url: str,
) -> Block:
    _editable(block.issue)
    block.kind = kind
    block.content = {**(block.content or {}), **content}
    block.link_url = link_url
    block.image_url = image_url
    block.save(update_fields=["kind", "content", "link_url", "image_url"])
    return block


@transaction.atomic
def block_move(*, block: Block, direction: str) -> Block:
    """Swap a block with its neighbour above ("up") or below ("down")."""
    issue = block.issue
    _editable(issue)
    blocks = list(issue.blocks.select_for_update().order_by("order", "pk"))
    # Orders may have gaps or ties (deleted blocks, fills): renumber before swapping.
    for position, item in enumerate(blocks):
        item.order = position
    index = next(i for i, item in enumerate(blocks) if item.pk == block.pk)
    other = index - 1 if direction == "up" else index + 1
    if 0 <= other < len(blocks):
        blocks[index].order, blocks[other].order = blocks[other].order, blocks[index].order
    Block.objects.bulk_update(blocks, ["order"])
    return next(item for item in blocks if item.pk == block.pk)


@transaction.atomic
def block_delete(*, block: Block) -> None:
    _editable(block.issue)
    if block.contribution_id:
        # The contribution becomes available again for this or a later issue.
        Contribution.objects.filter(pk=block.contribution_id, used_in=block.issue).update(
            used_in=None
        )
    block.delete()


def issue_since(issue: Issue) -> datetime:
    """When the previous issue started sending; a month before this one's creation otherwise."""
    previous = (
        Issue.objects.filter(number__lt=issue.number, status=Issue.Status.SENT)
        .order_by("-number")
        .first()
    )
    if previous is not None:
        return previous.send_started_at or previous.sent_at or previous.created_at
    return issue.created_at - DEFAULT_SINCE


@transaction.atomic
def issue_fill(*, issue: Issue) -> int:
    """Add blocks for what the platform published since the last issue; returns how many.

    A block that an earlier fill added (same source key) is not added again.
    """
    _editable(issue)
    languages = list(issue.editions.values_list("language", flat=True))
    existing = set(issue.blocks.exclude(source_key="").values_list("source_key", flat=True))
    added = 0
    for found in sources.collect(since=issue_since(issue), languages=languages):
        if found.source_key in existing:
            continue
        _add_source_block(issue, found)
        existing.add(found.source_key)
        added += 1
    return added


def _add_source_block(issue: Issue, found: sources.SourceBlock) -> Block:
    contribution_id = found.extra.get("contribution_id")
    try:
        with transaction.atomic():
            block = Block.objects.create(
                issue=issue,
                kind=found.kind,
                order=_next_order(issue),
                content=found.content,
                link_url=found.link_url,
                image_url=found.image_url,
                original_language=found.original_language,
                source_key=found.source_key,
                contribution_id=contribution_id,
            )
    except IntegrityError:
        raise IssueError(_("This item is already in the issue.")) from None
    if contribution_id:
        Contribution.objects.filter(pk=contribution_id).update(used_in=issue)
    return block


@transaction.atomic
def contribution_add_to_issue(*, issue: Issue, contribution: Contribution) -> Block:
    _editable(issue)
    if contribution.status != Contribution.Status.ACCEPTED:
        raise IssueError(_("Only accepted contributions can go into an issue."))
    if contribution.used_in_id and contribution.used_in_id != issue.pk:
        raise IssueError(_("This contribution is already in another issue."))
    languages = list(issue.editions.values_list("language", flat=True))
    return _add_source_block(issue, sources.contribution_block(contribution, languages=languages))


# --- Test, schedule, cancel, send ------------------------------------------------------------
def issue_send_test(*, issue: Issue, to: Any, languages: Iterable[str] | None = None) -> int:
    """Each edition (or the chosen ones) to one staff member, marked as a test."""
    blocks = list(issue.blocks.all())
    count = 0
    for edition in issue.editions.all():
        if languages is not None and edition.language not in set(languages):
            continue
        rendered = render_edition(edition, blocks, unsubscribe="test", preferences="test")
        with translation.override(edition.language):
            prefix = _("[Test]")
        emails.queue(
            emails.RenderedEmail(
                to=[to.email],
                subject=f"{prefix} {rendered.subject}",
                text=rendered.text,
                html=rendered.html,
                language=edition.language,
            )
        )
        count += 1
    return count


@transaction.atomic
def issue_schedule(*, issue: Issue, at: datetime) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    _editable(issue)
    if at <= timezone.now():
        raise IssueError(_("Choose a time in the future."))
    if not issue.editions.exists() or not issue.blocks.exists():
        raise IssueError(_("Add at least one block before scheduling."))
    issue.status = Issue.Status.SCHEDULED
    issue.scheduled_at = at
    issue.save(update_fields=["status", "scheduled_at", "updated_at"])
    return issue


@transaction.atomic
def issue_cancel(*, issue: Issue) -> Issue:
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status != Issue.Status.SCHEDULED:
        raise IssueError(_("Only a scheduled issue can be cancelled."))
    issue.status = Issue.Status.CANCELLED
    issue.save(update_fields=["status", "updated_at"])
    return issue


@transaction.atomic
def issue_reopen(*, issue: Issue) -> Issue:
    """A cancelled issue becomes a draft again."""
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status != Issue.Status.CANCELLED:
        raise IssueError(_("Only a cancelled issue can be reopened."))
    issue.status = Issue.Status.DRAFT
    issue.scheduled_at = None
    issue.save(update_fields=["status", "scheduled_at", "updated_at"])
    return issue


@transaction.atomic
def issue_send_now(*, issue: Issue) -> bool:
    """Start sending. False (and nothing queued) when the issue is already sending or sent: a
    second press of "send" sends nothing more."""
    issue = Issue.objects.select_for_update().get(pk=issue.pk)
    if issue.status not in Issue.EDITABLE:
        return False
    if not issue.blocks.exists():
        raise IssueError(_("Add at least one block before sending."))
    _start(issue)
    return True


def _start(issue: Issue) -> None:
    from .. import tasks

    issue.status = Issue.Status.SENDING
    issue.send_started_at = timezone.now()
    issue.save(update_fields=["status", "send_started_at", "updated_at"])
    # Never run in this process when the broker is away: preparing writes a row per recipient,
    # too much for the request that pressed "send". The sweeper (deliveries_requeue_stuck) queues
    # it again once `send_started_at` is N minutes old.
    delay_on_commit(tasks.prepare_issue, issue.pk)


def issues_dispatch_due(*, now: datetime | None = None) -> list[int]:
    """Start every scheduled issue whose time has come (the beat task, every minute)."""
    now = now or timezone.now()
    started = []
    with transaction.atomic():
        due = (
            Issue.objects.select_for_update(skip_locked=True)
            .filter(status=Issue.Status.SCHEDULED, scheduled_at__lte=now)
            .order_by("scheduled_at")
        )
        for issue in due:
            _start(issue)
            started.append(issue.pk)
    return started
