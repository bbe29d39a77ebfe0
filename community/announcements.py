"""The forum announces a new thread in an open category through iapt_platform.lib.news (threads in
private working groups are heard of only through watching, as before)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from . import selectors
from .models import Thread

THREAD = "thread"


def visible(user: Any, thread: Thread) -> bool:
    return (
        thread.is_published
        and not thread.hidden
        and selectors.can_read_thread(user=user, thread=thread)
    )


def visible_many(user: Any, threads: list[Thread]) -> set[int]:
    """The same rule for a page of notifications, in one query."""
    return set(
        selectors.threads_visible_to(user=user)
        .filter(pk__in=[thread.pk for thread in threads], is_published=True, hidden=False)
        .values_list("pk", flat=True)
    )


def register() -> None:
    news.register_kind(
        THREAD, label=_("A new forum thread"), visible=visible, visible_many=visible_many
    )


def thread_announce(*, thread: Thread) -> None:
    """Threads have no topics of their own: their author is what members follow."""
    if thread.category.is_private:
        return
    subjects = [Subject(news.MEMBER, str(thread.author_id))] if thread.author_id else []
    news.announce(kind=THREAD, obj=thread, subjects=subjects, actor=thread.author_id)
