"""Stories' figures for the community dashboard: published, and read (daily aggregate counts)."""

from iapt_platform.dashboard.registry import Window, count_by_bucket, sum_by_bucket

from .models import Story, StoryDailyStat


def published(window: Window) -> list[int]:
    stories = Story.objects.filter(status=Story.Status.PUBLISHED)
    return count_by_bucket(stories, window, date="published_at", country="countries__contains")


def read(window: Window) -> list[int]:
    return sum_by_bucket(
        StoryDailyStat.objects.all(),
        window,
        day="date",
        value="reads",
        country="story__countries__contains",
    )
