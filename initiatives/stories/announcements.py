"""Stories announce themselves through iapt_platform.lib.news once they are public."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from .models import Story

STORY = "story"


def visible(user: Any, story: Story) -> bool:
    return story.is_public


def register() -> None:
    news.register_kind(STORY, label=_("A success story"), visible=visible)


def subjects_of(story: Story) -> list[Subject]:
    """Its countries, sectors, topics and initiatives."""
    return [
        *(Subject(news.COUNTRY, country.code) for country in story.countries),
        *(Subject(news.SECTOR, slug) for slug in story.sectors.values_list("slug", flat=True)),
        *(Subject(news.TOPIC, slug) for slug in story.topics.values_list("slug", flat=True)),
        *(
            Subject(news.INITIATIVE, str(pk))
            for pk in story.initiatives.values_list("pk", flat=True)
        ),
    ]


def story_announce(*, story: Story, by: Any = None) -> None:
    news.announce(kind=STORY, obj=story, subjects=subjects_of(story), actor=by)


def story_announce_due(*, window: dt.timedelta = dt.timedelta(hours=1)) -> int:
    """Stories scheduled earlier that became public within `window`: announced now (a story
    announced twice tells nobody twice). Returns how many."""
    now = timezone.now()
    # A story published at once (announced then) was saved after its date; a scheduled one before.
    due = Story.objects.public(now=now).filter(
        published_at__gt=now - window, updated_at__lt=F("published_at")
    )
    count = 0
    for story in due.prefetch_related("sectors", "topics", "initiatives"):
        story_announce(story=story)
        count += 1
    return count
