"""Who hears of a new post, in the site and by email; and the signed link that changes how often.

A published post notifies the members it mentions, those watching its thread and those watching its
category, provided they can read it. Notification rows are written at once (the header counts
them); emails go out from a task, only to members who chose to hear immediately.
"""

from __future__ import annotations

import datetime as dt
import html
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import signing
from django.db import transaction
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.html import strip_tags
from django.utils.text import Truncator

from iapt_platform.accounts import roles
from iapt_platform.lib import emails, one_click
from iapt_platform.lib.markdown import mentioned_handles, render_markdown
from iapt_platform.lib.queueing import delay_on_commit

from . import selectors
from .models import EmailFrequency, MemberProfile, Notification, Post, Watch

FREQUENCY_SALT = "community.email-frequency"


def excerpt(body: str, length: int = 240) -> str:
    """Plain text of a post (its Markdown rendered, sanitised, tags dropped), shortened."""
    text = " ".join(html.unescape(strip_tags(render_markdown(body))).split())
    return Truncator(text).chars(length)


def _readers(*, post: Post, user_ids: set[int]) -> set[int]:
    """Those of `user_ids` who are active members able to read the post's thread."""
    if not user_ids:
        return set()
    category = post.thread.category
    users = get_user_model().objects.filter(pk__in=user_ids, is_active=True)
    moderators = Q(pk__in=roles.moderators().values("pk"))
    if category.is_private:
        users = users.filter(moderators | Q(private_forum_categories=category))
    else:
        users = users.filter(moderators | Q(groups__name=roles.MEMBER))
    return set(users.values_list("pk", flat=True))


def notify(*, recipients: Iterable[int], kind: str, post: Post, actor: Any) -> None:
    rows = [
        Notification(recipient_id=pk, kind=kind, post=post, actor=actor)
        for pk in recipients
        if pk != getattr(actor, "pk", None)
    ]
    if not rows:
        return
    Notification.objects.bulk_create(rows, ignore_conflicts=True)
    selectors.notifications_changed(user_ids=[row.recipient_id for row in rows])  # no signal
    from . import tasks

    # The post is saved whatever the broker does: with the broker away the emails go from here.
    delay_on_commit(tasks.email_notifications, post.pk, run_here_if_broker_down=True)


def notify_mentions(*, post: Post) -> set[int]:
    handles = mentioned_handles(post.body)
    if not handles:
        return set()
    ids = set(MemberProfile.objects.filter(handle__in=handles).values_list("user_id", flat=True))
    ids.discard(post.author_id)
    readers = _readers(post=post, user_ids=ids)
    notify(recipients=readers, kind=Notification.Kind.MENTION, post=post, actor=post.author)
    return readers


def notify_post(*, post: Post) -> None:
    """A post was just published: mentions first, then watchers of the thread and category."""
    mentioned = notify_mentions(post=post)
    thread = post.thread
    watchers = set(
        Watch.objects.filter(Q(thread=thread) | Q(category=thread.category_id)).values_list(
            "user_id", flat=True
        )
    )
    watchers -= mentioned
    watchers.discard(post.author_id)
    kind = Notification.Kind.NEW_THREAD if post.is_opening else Notification.Kind.REPLY
    notify(
        recipients=_readers(post=post, user_ids=watchers), kind=kind, post=post, actor=post.author
    )


def _unemailed() -> QuerySet[Notification]:
    """Notifications not yet emailed to members who chose "immediately"."""
    return (
        Notification.objects.filter(emailed_at__isnull=True)
        .filter(
            Q(recipient__member_profile__isnull=True)
            | Q(recipient__member_profile__email_frequency=EmailFrequency.IMMEDIATELY)
        )
        .filter(recipient__is_active=True)
    )


def email_notifications(*, post_id: int) -> int:
    """Email the notifications of a post to members who chose "immediately"; returns the count."""
    pending = (
        _unemailed()
        .filter(post_id=post_id)
        .select_related("recipient", "actor", "post", "post__thread", "post__thread__category")
    )
    sent = 0
    for notification in pending:
        sent += _email_one(notification)
    return sent


def notifications_email_stragglers() -> int:
    """Queue again the emails of posts whose notifications are still unsent after ten minutes
    (their task was lost: the broker and the mail server away together). Returns the posts."""
    now = timezone.now()
    post_ids = set(
        _unemailed()
        .filter(created_at__range=(now - dt.timedelta(days=1), now - dt.timedelta(minutes=10)))
        .values_list("post_id", flat=True)
    )
    from . import tasks

    for post_id in post_ids:
        tasks.email_notifications.delay(post_id)
    return len(post_ids)


@transaction.atomic
def _email_one(notification: Notification) -> int:
    # The claim and the handing over to the mail server share one transaction: a worker killed
    # before the server took the message leaves the row unclaimed for the redelivered task (no
    # loss); killed between the two, one duplicate at most. A concurrent task skips the row.
    claimed = Notification.objects.filter(pk=notification.pk, emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
    if not claimed:
        return 0
    post = notification.post
    emails.send_now(
        template="community/notification",
        to=notification.recipient,
        context={
            "notification": notification,
            "kind": notification.kind,
            "actor_name": notification.actor.get_full_name() if notification.actor else "",
            "thread_title": post.thread.title,
            "category": post.thread.category,  # named in the recipient's language
            "body": post.body,
            "excerpt": excerpt(post.body, 600),
            "post_url": absolute(reverse("community:post", args=[post.pk])),
            "frequency_url": frequency_url(notification.recipient),
        },
        headers=one_click_headers(notification.recipient),
    )
    return 1


def absolute(path: str) -> str:
    return f"{settings.SITE_URL}{path}"


def frequency_token(user: Any) -> str:
    return signing.dumps(user.pk, salt=FREQUENCY_SALT)


def frequency_url(user: Any) -> str:
    return absolute(reverse("community:email_frequency", args=[frequency_token(user)]))


# RFC 8058 one-click: the token names the member; "f" tells it from the bulletin's tokens in the
# shared mailto mailbox. A POST to the URL (or a message to the mailto address) stops forum emails.
ONE_CLICK_SALT = "community.one-click"
ONE_CLICK_PREFIX = "f"


def one_click_token(user: Any) -> str:
    return one_click.make_token(salt=ONE_CLICK_SALT, pk=user.pk, prefix=ONE_CLICK_PREFIX)


def one_click_headers(user: Any) -> dict[str, str]:
    """List-Unsubscribe (https and mailto) and List-Unsubscribe-Post for one member's email."""
    token = one_click_token(user)
    return one_click.headers(
        url=absolute(reverse("community:email_stop", args=[token])), token=token
    )


def user_for_one_click_token(token: str) -> Any | None:
    try:
        pk = one_click.read_token(token, salt=ONE_CLICK_SALT, prefix=ONE_CLICK_PREFIX)
    except one_click.BadToken:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def user_for_frequency_token(token: str) -> Any | None:
    try:
        pk = signing.loads(token, salt=FREQUENCY_SALT)
    except signing.BadSignature:
        return None
    return get_user_model().objects.filter(pk=pk, is_active=True).first()


def notifications_mark_read(*, user: Any, notification_id: int | None = None) -> int:
    """One forum notification read, or all of them and the news of what the member follows."""
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        read = qs.filter(pk=notification_id).update(read_at=timezone.now())
    else:
        from .following import services as following

        read = qs.update(read_at=timezone.now()) + following.news_mark_read(user=user)
    if read:  # update() sends no signal
        selectors.notifications_changed(user_ids=[user.pk])
    return read
