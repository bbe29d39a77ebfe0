"""Following subjects, and turning announcements (iapt_platform.lib.news) into notifications.

The listener runs after the announcing transaction committed and only queues a task with the
announcement's ids; the task decides who hears (followers of each subject, the subject's default
audience unless muted, the announcement's own recipients), leaves out the actor and whoever may not
see the object, and writes one row per person and object: the unique constraint makes a repeated
announcement, or a second matching subject, tell nobody twice.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from iapt_platform.lib import emails, news
from iapt_platform.lib.news import Announcement, Subject
from iapt_platform.lib.queueing import delay_on_commit

from . import selectors
from .models import Follow, NewsNotification

CHUNK = 500  # people checked and written at a time


class FollowError(ValueError):
    pass


# --- Following ---------------------------------------------------------------------------------


@transaction.atomic
def follow_add(*, user: Any, subject: Subject) -> Follow:
    """Follow `subject` (or hear again of one followed by default and muted)."""
    if subject.kind not in selectors.FOLLOWABLE or not selectors.describe([subject]):
        raise FollowError(subject)
    row, created = Follow.objects.get_or_create(user=user, kind=subject.kind, key=subject.key)
    if not created and row.muted:
        row.muted = False
        row.save(update_fields=["muted"])
    return row


@transaction.atomic
def follow_remove(*, user: Any, subject: Subject) -> None:
    """Stop hearing of `subject`; a subject followed by default is muted (an opt-out row)."""
    if user.pk in news.audience(subject):
        Follow.objects.update_or_create(
            user=user, kind=subject.kind, key=subject.key, defaults={"muted": True}
        )
    else:
        Follow.objects.filter(user=user, kind=subject.kind, key=subject.key).delete()


# --- Hearing of what is new --------------------------------------------------------------------


def announcement_receive(announcement: Announcement) -> None:
    """The news listener (registered in apps.py): the work happens in a task."""
    from . import tasks

    # Run here when the broker is away: nobody would deliver the announcement later.
    delay_on_commit(tasks.deliver_news, announcement.as_dict(), run_here_if_broker_down=True)


def recipients_of(announcement: Announcement) -> set[int]:
    """Everyone who would hear of the announcement, before the visibility check."""
    ids = selectors.follower_ids(announcement.subjects)
    for subject in announcement.subjects:
        default = news.audience(subject)
        if default:
            ids |= default - selectors.muted_ids(subject)
    ids |= set(announcement.recipients)
    ids.discard(announcement.actor_id)  # type: ignore[arg-type]
    return ids


def occurrence_of(announcement: Announcement) -> str:
    return str(announcement.extra.get("occurrence", ""))[:60]


def news_deliver(*, announcement: Announcement) -> int:
    """Write the notifications of one announcement; returns how many people it reached now."""
    obj = announcement.object()
    if obj is None or announcement.kind not in news.kinds():
        return 0
    candidates = sorted(recipients_of(announcement))
    users = get_user_model().objects.filter(is_active=True).select_related("member_profile")
    reached = 0
    for start in range(0, len(candidates), CHUNK):
        chunk = candidates[start : start + CHUNK]
        allowed = [
            user
            for user in users.filter(pk__in=chunk)
            if news.can_see(announcement.kind, user, obj)
        ]
        rows = [
            NewsNotification(
                recipient=user,
                kind=announcement.kind,
                content_type_id=announcement.content_type_id,
                object_id=announcement.object_id,
                occurrence=occurrence_of(announcement),
                actor_id=announcement.actor_id,
            )
            for user in allowed
        ]
        NewsNotification.objects.bulk_create(rows, ignore_conflicts=True)
        _unread_changed([user.pk for user in allowed])  # bulk_create sends no signal
        reached += len(rows)
        _email_immediately(announcement=announcement, obj=obj, users=allowed)
    return reached


def _email_immediately(*, announcement: Announcement, obj: Any, users: list[Any]) -> None:
    """One email each to those who chose to hear immediately (the forum's own preference), for
    rows not emailed yet: the claim and the outbox row share a transaction."""
    from community.models import EmailFrequency
    from community.notifications import frequency_url, one_click_headers

    wanted = {
        user.pk: user
        for user in users
        if getattr(getattr(user, "member_profile", None), "email_frequency", None)
        == EmailFrequency.IMMEDIATELY
    }
    if not wanted:
        return
    label = news.kind(announcement.kind).label
    pending = NewsNotification.objects.filter(
        recipient_id__in=list(wanted),
        kind=announcement.kind,
        content_type_id=announcement.content_type_id,
        object_id=announcement.object_id,
        occurrence=occurrence_of(announcement),
        emailed_at__isnull=True,
    ).values_list("pk", "recipient_id")
    for pk, recipient_id in pending:
        with transaction.atomic():
            claimed = NewsNotification.objects.filter(pk=pk, emailed_at__isnull=True).update(
                emailed_at=timezone.now()
            )
            if not claimed:
                continue
            user = wanted[recipient_id]
            emails.send(
                template="following/notification",
                to=user,
                context={
                    "label": label,
                    "obj": obj,
                    "frequency_url": frequency_url(user),
                },
                headers=one_click_headers(user),
            )


def news_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    rows = NewsNotification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        rows = rows.filter(pk=notification_id)
    read = rows.update(read_at=timezone.now())
    if read:
        _unread_changed([user.pk])
    return read


def _unread_changed(user_ids: list[int]) -> None:
    """The header's unread count (kept per member by community) is read again."""
    from community.selectors import notifications_changed

    notifications_changed(user_ids=user_ids)


# --- Closing an account ------------------------------------------------------------------------


def member_depart(*, closing: Any) -> None:
    """What they follow and what they were told go; so do others' follows of them as a member,
    and their name on what others were told."""
    user = closing.user
    Follow.objects.filter(user=user).delete()
    Follow.objects.filter(kind=news.MEMBER, key=str(user.pk)).delete()
    NewsNotification.objects.filter(recipient=user).delete()
    _unread_changed([user.pk])
    NewsNotification.objects.filter(actor=user).update(actor=None)
