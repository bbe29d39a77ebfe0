"""Forum threads in the one search (iapt_platform/lib/site_search.py): a thread is found by the
words of any post its reader may see, and only where they may read it (a private category to its
members, a thread waiting for approval to its author, nothing hidden); visitors find none, as the
forum is the members'."""

from __future__ import annotations

from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit

from . import selectors, services
from .models import Post


def _hit(post: Post, ask: Ask) -> Hit:
    return Hit(
        kind="threads",
        title=post.thread.title,
        url=post.thread.get_absolute_url() if post.is_opening else post.get_absolute_url(),
        text=site_search.plain(post.body),
        date=post.created_at,
        language=site_search.other_language(post.language, ask.language),
        detail=post.thread.category.name,
    )


def find(ask: Ask) -> Found:
    if not selectors.is_member(ask.user):
        return Found(0)
    posts = selectors.post_search(user=ask.user, query=ask.query)
    # Threads are counted among the first matching posts: past the cap, "at least" so many.
    window = posts.order_by().values("thread_id")[: search.COUNT_CAP + 1]
    found_posts = len(window)
    count = len({row["thread_id"] for row in window})
    more = found_posts > search.COUNT_CAP
    if not count or ask.limit <= 0:
        return Found(count, more=more)
    page = slice(ask.offset, ask.offset + ask.limit)
    if more:
        # A word most posts hold: the threads as the forum lists them (pinned, then the latest
        # activity), each shown by its latest matching post, read from the threads' index.
        threads = selectors.threads_by_activity_with(user=ask.user, query=ask.query)
        ids = list(threads.values_list("post", flat=True)[page])  # type: ignore[misc]
    else:
        # At most COUNT_CAP matches, ranked in one statement: each thread by its best post.
        ranked = "rank" in posts.query.annotations
        best: dict[int, int] = {}
        for pk, thread_id in posts.order_by(
            *(["-rank", "-created_at"] if ranked else []), "-id"
        ).values_list("pk", "thread_id"):
            best.setdefault(thread_id, pk)
        ids = list(best.values())[page]
    rows = {
        post.pk: post
        for post in Post.objects.filter(pk__in=ids).select_related("thread", "thread__category")
    }
    return Found(count, [_hit(rows[pk], ask) for pk in ids if pk in rows], more)


def register_kinds() -> None:
    site_search.register(
        "threads",
        label=_("Forum"),
        find=find,
        list_url=lambda query: f"{reverse('community:search')}?{urlencode({'q': query})}",
        order=40,
        members_only=True,  # find() answers visitors none
        # Kept for each group of readers who find the same (every member who sees no more
        # than the others; every moderator); the others' answers are their own.
        version=selectors.search_version,
        audience=selectors.search_audience,
        rebuild=lambda: site_search.each_refreshed(
            Post.objects.select_related("thread").iterator(chunk_size=500),
            lambda post: services.post_refresh_search(post=post),
        ),
    )
