"""Readings of a resource are counted in Redis and written to the database by a beat task, so a
page view costs no UPDATE; without Redis (and while it is away) they are written at once."""

import datetime
from unittest import mock

import pytest
import redis
import time_machine
from celery.schedules import crontab
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext

from iapt_platform.lib import counters
from iapt_platform.lib.tasks import flush_counters
from library.models import ResourceDailyStat

from .factories import ResourceFactory

pytestmark = pytest.mark.django_db

DAY = datetime.datetime(2026, 3, 1, 12, 0, tzinfo=datetime.UTC)


@pytest.fixture
def on_redis():
    if not settings.REDIS_URL:
        pytest.skip("Counts pending in Redis need Redis: set REDIS_URL (CI sets it).")


def views(resource) -> int:
    row = ResourceDailyStat.objects.filter(resource=resource, date=DAY.date()).first()
    return row.views if row else 0


def read(client, resource, times=1):
    for _ in range(times):
        assert client.get(f"/library/{resource.slug}/").status_code == 200


@time_machine.travel(DAY, tick=False)
def test_readings_wait_in_redis_and_the_flush_writes_them_once(client, on_redis):
    resource = ResourceFactory(slug="guia")
    read(client, resource)  # rendered
    with CaptureQueriesContext(connection) as captured:
        read(client, resource, times=2)  # from the visitors' page cache
    assert [q["sql"] for q in captured.captured_queries] == []  # no UPDATE per reading
    assert views(resource) == 0
    assert (
        counters.pending(ResourceDailyStat, "views", day=DAY.date(), resource_id=resource.pk) == 3
    )

    assert flush_counters.delay().get() == 3
    assert views(resource) == 3
    assert (
        counters.pending(ResourceDailyStat, "views", day=DAY.date(), resource_id=resource.pk) == 0
    )
    flush_counters.delay()  # idempotent: nothing left to add
    assert views(resource) == 3


@time_machine.travel(DAY, tick=False)
def test_two_flushes_at_once_neither_lose_nor_double_a_reading(client, on_redis):
    resource = ResourceFactory(slug="guia")
    read(client, resource, times=2)
    write = counters._write_taken

    calls = []

    def overlapping(client_, key):
        # While the first flush writes what it took, more readings arrive and a second flush runs.
        calls.append(key)
        if len(calls) == 1:
            read(client, resource, times=3)
            assert counters.flush_pending() == 3
        return write(client_, key)

    with mock.patch.object(counters, "_write_taken", side_effect=overlapping, autospec=True):
        assert counters.flush_pending() == 2
    assert len(calls) == 2
    assert views(resource) == 5
    counters.flush_pending()
    assert views(resource) == 5


def test_a_flush_that_died_midway_is_written_by_a_later_one(client, on_redis):
    resource = ResourceFactory(slug="guia")
    with time_machine.travel(DAY, tick=False):
        read(client, resource, times=2)
        killed = mock.patch.object(counters, "_write_taken", side_effect=RuntimeError("killed"))
        with killed, pytest.raises(RuntimeError):
            counters.flush_pending()
        counters.flush_pending()  # the dead flush's counts are not taken while it might still run
        assert views(resource) == 0
    with time_machine.travel(DAY + datetime.timedelta(minutes=15), tick=False):
        counters.flush_pending()
    assert views(resource) == 2


@time_machine.travel(DAY, tick=False)
def test_readings_of_a_resource_deleted_before_the_flush_are_dropped(client, on_redis):
    gone, kept = ResourceFactory(slug="gone"), ResourceFactory(slug="kept")
    read(client, gone)
    read(client, kept)
    gone.delete()
    assert counters.flush_pending() == 1
    assert views(kept) == 1


@time_machine.travel(DAY, tick=False)
def test_while_redis_is_away_a_reading_is_written_at_once(client, on_redis):
    resource = ResourceFactory(slug="guia")
    with mock.patch.object(
        redis.Redis, "hincrby", side_effect=redis.exceptions.ConnectionError("refused")
    ):
        read(client, resource)
    assert views(resource) == 1


@time_machine.travel(DAY, tick=False)
def test_without_redis_a_reading_is_written_at_once(client, settings):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    resource = ResourceFactory(slug="guia")
    read(client, resource, times=2)
    assert views(resource) == 2
    assert flush_counters.delay().get() == 0


def test_the_flush_runs_every_minute_from_beat():
    [entry] = [
        e
        for e in settings.CELERY_BEAT_SCHEDULE.values()
        if e["task"] == "iapt_platform.lib.tasks.flush_counters"
    ]
    assert entry["schedule"] == crontab()
