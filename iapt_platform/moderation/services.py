"""Submitting to the moderation queue and deciding on submissions.

Every change is recorded as a `ModerationEvent` (who, when, why); the submitter hears of each decision
by email, in their own language, once the transaction commits.
"""

from collections.abc import Iterable
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from iapt_platform.accounts import roles
from iapt_platform.lib import emails

from . import registry, selectors
from .models import ModerationEvent, ModerationItem, QueueReminder

APPROVE = "approve"
REQUEST_CHANGES = "request_changes"
REJECT = "reject"
DECISIONS = {
    APPROVE: (ModerationItem.Status.APPROVED, ModerationEvent.Action.APPROVED),
    REQUEST_CHANGES: (
        ModerationItem.Status.CHANGES_REQUESTED,
        ModerationEvent.Action.CHANGES_REQUESTED,
    ),
    REJECT: (ModerationItem.Status.REJECTED, ModerationEvent.Action.REJECTED),
}


class ModerationError(ValueError):
    """A decision that cannot be taken; the message is translated and meant for the moderator.

    `field` names the form field the message belongs to ("comment"), or is None.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


@transaction.atomic
def moderation_submit(*, obj: Any, kind: str, submitted_by: Any) -> ModerationItem:
    """Put `obj` in the queue, or back in it when an open item already exists for it."""
    registered = registry.get_kind(kind)
    if not isinstance(obj, registered.model):
        raise TypeError(f"Moderation kind {kind!r} takes {registered.model.__name__} objects.")
    title = str(registered.title(obj))[:300]
    country = str(registered.country(obj) or "").upper()[:2]
    content_type = ContentType.objects.get_for_model(obj)
    item = (
        ModerationItem.objects.select_for_update()
        .filter(
            content_type=content_type,
            object_id=obj.pk,
            kind=kind,
            status__in=ModerationItem.OPEN_STATUSES,
        )
        .first()
    )
    if item is None:
        item = ModerationItem.objects.create(
            kind=kind,
            content_type=content_type,
            object_id=obj.pk,
            title=title,
            country=country,
            submitted_by=submitted_by,
        )
        action = ModerationEvent.Action.SUBMITTED
    else:
        if item.status != ModerationItem.Status.PENDING:
            item.waiting_since = timezone.now()  # back from its submitter: waits from now
        item.title, item.country = title, country
        item.status = ModerationItem.Status.PENDING
        item.decided_at = None
        item.save(
            update_fields=[
                "title",
                "country",
                "status",
                "decided_at",
                "waiting_since",
                "updated_at",
            ]
        )
        action = ModerationEvent.Action.RESUBMITTED
    ModerationEvent.objects.create(item=item, actor=submitted_by, action=action)
    return item


@transaction.atomic
def moderation_decide(
    *, item: ModerationItem, moderator: Any, action: str, comment: str
) -> ModerationItem:
    """Approve, request changes or reject; the kind's callback carries the decision out."""
    if action not in DECISIONS:
        raise ModerationError(_("Choose approve, request changes or reject."))
    if not roles.is_moderator(moderator):
        raise ModerationError(_("Only moderators can decide on submissions."))
    comment = comment.strip()
    # The row lock makes a second moderator wait, then see the first decision and stop.
    item = ModerationItem.objects.select_for_update().get(pk=item.pk)
    if not item.is_open:
        raise ModerationError(
            _("This submission was already decided: %(status)s.")
            % {"status": item.get_status_display()}
        )
    if action == REQUEST_CHANGES and not comment:
        raise ModerationError(_("Say what must change."), field="comment")
    if action == REJECT and not comment:
        raise ModerationError(_("Give the reason for the rejection."), field="comment")
    try:
        kind = registry.get_kind(item.kind)
    except KeyError:
        raise ModerationError(_("This kind of submission is no longer handled.")) from None
    obj = item.content_object
    if obj is None:
        raise ModerationError(_("The submitted content no longer exists."))

    callback = {APPROVE: kind.approve, REQUEST_CHANGES: kind.request_changes, REJECT: kind.reject}
    callback[action](obj, moderator=moderator, comment=comment)

    status, event_action = DECISIONS[action]
    item.status = status
    item.decided_at = timezone.now()
    item.save(update_fields=["status", "decided_at", "updated_at"])
    ModerationEvent.objects.create(item=item, actor=moderator, action=event_action, comment=comment)
    _notify_submitter(item=item, kind=kind, obj=obj, decision=status, comment=comment)
    return item


@transaction.atomic
def moderation_note(*, item: ModerationItem, actor: Any, comment: str) -> ModerationEvent:
    """Add a note to an item's history; it changes nothing else and emails nobody."""
    comment = comment.strip()
    if not comment:
        raise ModerationError(_("Write the note first."), field="comment")
    return ModerationEvent.objects.create(
        item=item, actor=actor, action=ModerationEvent.Action.NOTE, comment=comment
    )


def _notify_submitter(
    *, item: ModerationItem, kind: registry.ModerationKind, obj: Any, decision: str, comment: str
) -> None:
    submitter = item.submitted_by
    if submitter is None or not submitter.is_active:
        return
    path = kind.submitter_url(obj)
    emails.send(
        template="moderation_decision",
        to=submitter,
        context={
            "title": item.title,
            "kind_label": kind.label,  # lazy: rendered in the submitter's language
            "decision": decision,
            "comment": comment,
            "link": f"{settings.SITE_URL}{path}" if path else "",
        },
    )


def queue_reminders_send() -> int:
    """Remind each moderator of the waiting queue, once a day in their morning; the number sent.

    Nothing is sent while nothing is pending. Each reminder is claimed by a row unique to the
    moderator and their local day, in the transaction that writes its email, so two runs at once
    (two beats) or a rerun within the day send it once.
    """
    waiting = selectors.moderation_waiting()
    if not waiting.total:
        return 0
    now = timezone.now()
    queue_url = settings.SITE_URL + reverse("moderation:queue")
    sent = 0
    for moderator in roles.moderators().only("id", "email", "language", "time_zone"):
        local = now.astimezone(ZoneInfo(moderator.time_zone or settings.DEFAULT_READER_TIME_ZONE))
        if local.hour < settings.MODERATION_REMINDER_HOUR:
            continue
        with transaction.atomic():
            _claim, claimed = QueueReminder.objects.get_or_create(
                moderator=moderator, day=local.date()
            )
            if not claimed:
                continue
            emails.send(
                template="moderation_queue_reminder",
                to=moderator,
                context={
                    "by_kind": waiting.by_kind,
                    "total": waiting.total,
                    "oldest": waiting.oldest,
                    "queue_url": queue_url,
                },
            )
        sent += 1
    return sent


# Recorded in the item's history, in the source language: the audit is read by staff of any language.
WITHDRAWN_NOTE = "Withdrawn: the account that submitted it was closed."


def moderation_withdraw(*, objects: Iterable[models.Model]) -> int:
    """Close the open items of `objects`, which their submitter's account closing is about to
    delete: a queue item whose content is gone could never be decided. Nobody is emailed."""
    by_type: dict[ContentType, list[int]] = {}
    for obj in objects:
        by_type.setdefault(ContentType.objects.get_for_model(obj), []).append(obj.pk)
    closed = 0
    for content_type, pks in by_type.items():
        items = ModerationItem.objects.select_for_update().filter(
            content_type=content_type, object_id__in=pks, status__in=ModerationItem.OPEN_STATUSES
        )
        for item in items:
            item.status = ModerationItem.Status.REJECTED
            item.decided_at = timezone.now()
            item.save(update_fields=["status", "decided_at", "updated_at"])
            ModerationEvent.objects.create(
                item=item, actor=None, action=ModerationEvent.Action.NOTE, comment=WITHDRAWN_NOTE
            )
            closed += 1
    return closed
