"""Daily and weekly digests: what happened, in what each member watches, during the last period,
plus what the platform published meanwhile (initiatives, library resources, meetings).

A period is a calendar day (or a week from Monday) in the member's own time zone; its digest is due
from 06:00 local time the next day (or Monday). A `Digest` row, unique per member, kind and period
start, says the digest was built: a second run (or a second worker) sends nothing. A period with
nothing new records a row and sends no email.

The row and the email go together: the email is handed to the mail server inside the transaction
that inserts the row, and the row commits only once the server has accepted it. A worker killed at
any point (or a mail server that refuses) leaves no row, so the next hourly run sends that digest:
nothing is lost, and a kill between the server's acceptance and the commit costs one duplicate. A
second worker on the same digest waits on the row's unique index, then finds it taken.

The email's outbox row (`iapt_platform.outbox`) is written in that same transaction, already
sent (`emails.send_now`): the digest's own row is what the next run retries, so the outbox's task
and sweeper have nothing to do for it, and the record cannot say "sent" before the server took it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from iapt_platform.lib import emails

from .following import selectors as following_selectors
from .models import Category, Digest, EmailFrequency, MemberProfile, Notification, Post, Watch
from .notifications import absolute, excerpt, frequency_url, one_click_headers

DUE_LOCAL_HOUR = 6  # digests arrive in the morning of the reader's day
MAX_POSTS = 100
MAX_ITEMS = 10


def period_for(*, kind: str, now: dt.datetime, zone: str) -> tuple[dt.datetime, dt.datetime]:
    """The last complete period (start, end) in `zone` that is due at `now`, both aware."""
    tz = ZoneInfo(zone)
    reference = (now.astimezone(tz) - dt.timedelta(hours=DUE_LOCAL_HOUR)).date()
    if kind == Digest.Kind.WEEKLY:
        end_day = reference - dt.timedelta(days=reference.weekday())
        start_day = end_day - dt.timedelta(days=7)
    else:
        end_day = reference
        start_day = end_day - dt.timedelta(days=1)
    start = dt.datetime.combine(start_day, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(end_day, dt.time(0), tzinfo=tz)
    return start.astimezone(dt.UTC), end.astimezone(dt.UTC)


@dataclass(frozen=True)
class Due:
    user_id: int
    kind: str
    period_start: dt.datetime
    period_end: dt.datetime


def digests_due(*, now: dt.datetime | None = None) -> Iterator[Due]:
    """Every member whose digest for the last complete period has not been built yet.

    One query per (time zone, frequency) pair in use, whatever the number of members."""
    now = now or timezone.now()
    profiles = MemberProfile.objects.filter(
        email_frequency__in=[EmailFrequency.DAILY, EmailFrequency.WEEKLY], user__is_active=True
    )
    pairs = profiles.values_list("user__time_zone", "email_frequency").distinct()
    for zone, kind in sorted(set(pairs)):
        try:
            start, end = period_for(kind=kind, now=now, zone=zone)
        except (KeyError, ValueError):  # an unknown zone cannot be stored, but be safe
            continue
        done = Digest.objects.filter(kind=kind, period_start=start).values("user_id")
        user_ids = (
            profiles.filter(user__time_zone=zone, email_frequency=kind)
            .exclude(user_id__in=done)
            .values_list("user_id", flat=True)
        )
        for user_id in user_ids:
            yield Due(user_id=user_id, kind=kind, period_start=start, period_end=end)


@dataclass
class DigestContent:
    threads: list[dict[str, Any]] = field(default_factory=list)
    mentions: list[dict[str, Any]] = field(default_factory=list)
    initiatives: list[Any] = field(default_factory=list)
    resources: list[Any] = field(default_factory=list)
    meetings: list[Any] = field(default_factory=list)
    # What reached the member in what they follow (following.selectors.NewsItem), each once.
    news: list[Any] = field(default_factory=list)
    more_posts: int = 0  # beyond MAX_POSTS: the email says how many more there are

    @property
    def post_count(self) -> int:
        return sum(len(t["posts"]) for t in self.threads) + len(self.mentions) + self.more_posts

    @property
    def item_count(self) -> int:
        return (
            self.post_count
            + len(self.initiatives)
            + len(self.resources)
            + len(self.meetings)
            + len(self.news)
        )


def _post_item(post: Post) -> dict[str, Any]:
    return {
        "post": post,
        "author": post.author.get_full_name() if post.author else "",
        "excerpt": excerpt(post.body),
        "url": absolute(reverse("community:post", args=[post.pk])),
    }


def digest_content(*, user: Any, start: dt.datetime, end: dt.datetime) -> DigestContent:
    """New posts in what the member watches (and mentions of them), plus the platform's news."""
    content = DigestContent()
    watches = Watch.objects.filter(user=user)
    readable = Category.objects.visible_to(user)
    new_posts = (
        Post.objects.filter(
            status=Post.Status.PUBLISHED,
            hidden=False,
            published_at__gte=start,
            published_at__lt=end,
            thread__is_published=True,
            thread__hidden=False,
            thread__category__in=readable,
        )
        .exclude(author=user)
        .select_related("thread", "author")
    )
    watched_all = new_posts.filter(
        Q(thread__in=watches.exclude(thread=None).values("thread_id"))
        | Q(thread__category__in=watches.exclude(category=None).values("category_id"))
    )
    watched = list(
        watched_all.order_by("thread__last_posted_at", "thread_id", "published_at", "id")[
            : MAX_POSTS + 1
        ]
    )
    if len(watched) > MAX_POSTS:
        content.more_posts = watched_all.count() - MAX_POSTS
        watched = watched[:MAX_POSTS]
    by_thread: dict[int, dict[str, Any]] = {}
    for post in watched:
        entry = by_thread.setdefault(
            post.thread_id,
            {
                "thread": post.thread,
                "url": absolute(reverse("community:thread", args=[post.thread_id])),
                "posts": [],
            },
        )
        entry["posts"].append(_post_item(post))
    content.threads = list(by_thread.values())
    seen = {p["post"].pk for t in content.threads for p in t["posts"]}
    mentioned = new_posts.filter(
        pk__in=Notification.objects.filter(recipient=user, kind=Notification.Kind.MENTION).values(
            "post_id"
        )
    ).order_by("published_at", "id")[:MAX_ITEMS]
    content.mentions = [_post_item(p) for p in mentioned if p.pk not in seen]
    content.news = following_selectors.news_in_period(
        user=user, start=start, end=end, limit=MAX_ITEMS * 3
    )
    # Something in what the member follows is listed there, not a second time below.
    told = {(type(item.obj), item.obj.pk) for item in content.news}

    def untold(items: list[Any]) -> list[Any]:
        return [item for item in items if (type(item), item.pk) not in told]

    content.initiatives = untold(_new_initiatives(start=start, end=end))
    content.resources = untold(_new_resources(start=start, end=end))
    content.meetings = untold(_new_meetings(start=start, end=end))
    return content


def _new_initiatives(*, start: dt.datetime, end: dt.datetime) -> list[Any]:
    from initiatives import selectors as initiative_selectors

    return list(
        initiative_selectors.initiative_list_public()
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("published_at", "name")[:MAX_ITEMS]
    )


def _new_resources(*, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """Library resources published in the period (through the library's public selector)."""
    from library import selectors as library_selectors

    return list(
        library_selectors.resource_list_public()
        .filter(published_at__gte=start, published_at__lt=end)
        .order_by("published_at", "pk")[:MAX_ITEMS]
    )


def _new_meetings(*, start: dt.datetime, end: dt.datetime) -> list[Any]:
    """Upcoming meetings announced (published) during the period."""
    from community.meetings import selectors as meeting_selectors

    return list(
        meeting_selectors.meeting_calendar(when=meeting_selectors.UPCOMING)
        .exclude(status="cancelled")
        .filter(published_at__gte=start, published_at__lt=end)[:MAX_ITEMS]
    )


def digest_send(
    *, user_id: int, kind: str, period_start: dt.datetime, period_end: dt.datetime
) -> Digest | None:
    """Build and send one member's digest; None when it was already built for that period.

    Raises what the mail server raised, and then nothing is recorded (the next run tries again)."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None:
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                digest = Digest.objects.create(
                    user=user, kind=kind, period_start=period_start, period_end=period_end
                )
        except IntegrityError:
            return None
        content = digest_content(user=user, start=period_start, end=period_end)
        digest.item_count = content.item_count
        digest.sent = content.item_count > 0
        digest.save(update_fields=["item_count", "sent"])
        if digest.sent:
            link = frequency_url(user)
            # Not queued after commit: see the module's docstring.
            emails.send_now(
                template="community/digest",
                to=user,
                context={
                    "kind": kind,
                    "period_start": period_start,
                    "period_last_day": period_end - dt.timedelta(seconds=1),
                    "content": content,
                    "forum_url": absolute(reverse("community:index")),
                    "frequency_url": link,
                },
                headers=one_click_headers(user),
            )
    return digest
