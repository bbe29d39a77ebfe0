"""Readings of a story are counted in Redis (no UPDATE per reading, also for pages served from the
visitors' cache) and written by the minute's flush; the dashboard adds the readings still waiting,
so a moderator sees a reading at once, and never twice."""

import datetime
from unittest import mock

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from iapt_platform.lib import counters
from iapt_platform.lib.tasks import flush_counters
from initiatives.stories.models import StoryDailyStat

from .factories import StoryFactory

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 3, 10, 12, 0, tzinfo=datetime.UTC)
PERIOD = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
BROWSER = {"HTTP_USER_AGENT": "Mozilla/5.0 (X11; Linux x86_64) Firefox/130.0"}


@pytest.fixture
def on_redis():
    if not settings.REDIS_URL:
        pytest.skip("Counts pending in Redis need Redis: set REDIS_URL (CI sets it).")


def read(client, story, times=1):
    for _ in range(times):
        assert (
            client.get(reverse("stories:detail", args=[story.slug]), **BROWSER).status_code == 200
        )


def stored(story) -> int:
    return sum(StoryDailyStat.objects.filter(story=story).values_list("reads", flat=True))


def dashboard_reads(client, **params) -> list[str]:
    """The dashboard's "Stories read" row as the page shows it: this period, before, change."""
    response = client.get(reverse("dashboard:index"), {**PERIOD, **params})
    assert response.status_code == 200
    chunk = response.content.decode().split('<tr data-metric="stories_read"', 1)[1]
    return [c.split("</td>", 1)[0] for c in chunk.split('<td class="number">')[1:4]]


@time_machine.travel(DAY, tick=False)
def test_a_reading_costs_no_update_and_shows_on_the_dashboard_at_once(client, moderator, on_redis):
    story = StoryFactory(countries=["EC"], published_at=DAY - datetime.timedelta(days=30))
    StoryDailyStat.objects.create(story=story, date=datetime.date(2026, 2, 1), reads=40)
    with CaptureQueriesContext(connection) as rendered:
        read(client, story)  # rendered for the visitor
    assert not [q for q in rendered.captured_queries if "storydailystat" in q["sql"].lower()]
    with CaptureQueriesContext(connection) as kept:
        read(client, story, times=2)  # from the visitors' page cache
    assert kept.captured_queries == []  # no UPDATE per reading
    assert stored(story) == 40

    client.force_login(moderator)
    assert dashboard_reads(client)[:2] == ["43", "0"]
    assert dashboard_reads(client, country="EC")[:2] == ["43", "0"]
    assert dashboard_reads(client, country="AR")[:2] == ["0", "0"]
    march = client.get(reverse("dashboard:download", args=["stories_read", "csv"]), PERIOD)
    assert "March 2026,3" in b"".join(march.streaming_content).decode("utf-8-sig")

    assert flush_counters.delay().get() == 3
    assert stored(story) == 43
    assert dashboard_reads(client)[:2] == ["43", "0"]  # written once, shown once


@time_machine.travel(DAY, tick=False)
def test_robots_are_not_counted_even_from_the_page_cache(client, on_redis):
    story = StoryFactory()
    read(client, story)
    assert client.get(
        reverse("stories:detail", args=[story.slug]), HTTP_USER_AGENT="Googlebot/2.1"
    ).status_code
    assert counters.pending(StoryDailyStat, "reads", day=DAY.date(), story_id=story.pk) == 1


@time_machine.travel(DAY, tick=False)
def test_two_flushes_at_once_neither_lose_nor_double_a_reading(client, moderator, on_redis):
    story = StoryFactory(published_at=DAY - datetime.timedelta(days=30))
    read(client, story, times=2)
    write = counters._write_taken
    calls = []

    def overlapping(client_, key):
        # While the first flush writes what it took, more readings arrive and a second flush runs.
        calls.append(key)
        if len(calls) == 1:
            read(client, story, times=3)
            assert counters.flush_pending() == 3
        return write(client_, key)

    with mock.patch.object(counters, "_write_taken", side_effect=overlapping, autospec=True):
        assert counters.flush_pending() == 2
    assert len(calls) == 2
    assert stored(story) == 5
    counters.flush_pending()
    assert stored(story) == 5
    client.force_login(moderator)
    assert dashboard_reads(client)[:2] == ["5", "0"]


@time_machine.travel(DAY, tick=False)
def test_readings_waiting_for_a_deleted_story_are_not_shown(client, moderator, on_redis):
    gone, kept = StoryFactory(), StoryFactory()
    read(client, gone, times=2)
    read(client, kept)
    gone.delete()
    client.force_login(moderator)
    assert dashboard_reads(client)[:2] == ["1", "0"]
    assert counters.flush_pending() == 1
    assert stored(kept) == 1


@time_machine.travel(DAY, tick=False)
def test_without_redis_a_reading_is_written_at_once(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    story = StoryFactory()
    read(client, story, times=2)
    assert stored(story) == 2
