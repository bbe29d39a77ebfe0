"""Stories' figures for the community dashboard: published, and read (daily aggregate counts).

Readings wait in Redis for up to a minute before the flush writes them to their daily rows
(`iapt_platform.lib.counters`): `read` adds those still waiting, so a moderator sees a reading on
the dashboard (page, summary and downloads) as soon as it happened."""

from iapt_platform.dashboard.registry import Window, count_by_bucket, sum_by_bucket
from iapt_platform.lib import counters

from .models import Story, StoryDailyStat


def published(window: Window) -> list[int]:
    stories = Story.objects.filter(status=Story.Status.PUBLISHED)
    return count_by_bucket(stories, window, date="published_at", country="countries__contains")


def read(window: Window) -> list[int]:
    figures = sum_by_bucket(
        StoryDailyStat.objects.all(),
        window,
        day="date",
        value="reads",
        country="story__countries__contains",
    )
    waiting = counters.pending_all(StoryDailyStat, "reads")
    if waiting:  # one query, only while readings wait: the stories still there, in the country
        stories = Story.objects.filter(pk__in={pk for _day, pk in waiting})
        if window.country:
            stories = stories.filter(countries__contains=window.country)
        kept = set(stories.values_list("pk", flat=True))
        waiting = {(day, pk): n for (day, pk), n in waiting.items() if pk in kept}
    for i, bucket in enumerate(window.buckets):
        first, end = bucket.dates(window.zone)
        figures[i] += sum(n for (day, _pk), n in waiting.items() if first <= day < end)
    return figures
