"""Daily aggregate counters (downloads, reads): one row per thing and day, never a row per person.

`bump` adds one with an UPDATE ... SET n = n + 1 on the (thing, day) row, creating the row on the
first count of the day; `bump_later` counts in Redis and leaves the UPDATE to a flush a minute
later (for counts kept on every page view; see below); `looks_like_bot` is the simple rule that
keeps crawlers out of the counts.
"""

import re
import time
import uuid
from collections import defaultdict
from datetime import date
from typing import Any

import redis
from django.apps import apps
from django.db import IntegrityError, models, transaction
from django.db.models import F

# Self-declared robots: crawlers, link checkers, preview fetchers, command-line clients. Browsers
# never send these words; an empty user agent is no browser either.
_BOT = re.compile(
    r"bot|crawl|spider|slurp|preview|fetch|monitor|checker|scan|curl|wget|python|httpclient|"
    r"java/|go-http|headless|lighthouse|facebookexternalhit|whatsapp",
    re.IGNORECASE,
)


def looks_like_bot(user_agent: str) -> bool:
    return not user_agent.strip() or bool(_BOT.search(user_agent))


def bump(
    model: type[models.Model], column: str, *, day: date, by: int = 1, **thing: object
) -> None:
    """Add `by` to `column` of the row of `thing` (a foreign key, as `story_id=3`) on `day`: an
    upsert with F(), safe under concurrency."""
    rows = model._default_manager.filter(date=day, **thing)
    if rows.update(**{column: F(column) + by}):
        return
    try:
        with transaction.atomic():
            model._default_manager.create(date=day, **thing, **{column: by})
    except IntegrityError:  # another request created the row first
        rows.update(**{column: F(column) + by})


# --- Counts kept in Redis until the next flush --------------------------------------------------
#
# A page read many times a second (a library resource) would otherwise write an UPDATE per reading.
# `bump_later` adds one to a field of one Redis hash (HINCRBY: atomic, one round trip);
# `flush_pending` (the beat task `iapt_platform.lib.tasks.flush_counters`, every minute) renames
# the hash to a name of its own, so that readings arriving meanwhile start a new one and two
# flushes never take the same counts, adds what it took to the rows in one transaction, then
# deletes it. A flush that died between taking and writing leaves its hash behind under its
# name; a later flush takes it once it is older than any flush can run (STALE_AFTER). The stored
# counts thus lag the readings by at most a minute. Without Redis (the embedded mode's file cache,
# tests on local memory) and while Redis is away, `bump_later` writes at once, as `bump` does.

PENDING = "counters:pending"
STALE_AFTER = 600  # seconds; over CELERY_TASK_TIME_LIMIT (360), so no live flush is still writing


def _redis() -> tuple[Any, str] | None:
    """The raw Redis client under the default cache and the prefixed name of the pending hash;
    None without Redis, or while this process knows it to be away."""
    from django.core.cache import caches
    from django.core.cache.backends.redis import RedisCache

    cache = caches["default"]  # the backend itself (django.core.cache.cache is a proxy)
    if not isinstance(cache, RedisCache):
        return None
    outage = getattr(cache, "_outage", None)
    if outage is not None and outage.skipping():
        return None
    # Django's Redis backend keeps its redis-py client behind a private attribute.
    client = cache._cache.get_client(write=True)  # type: ignore[attr-defined]
    return client, cache.make_key(PENDING)


def _field(model: type[models.Model], column: str, day: date, thing: dict[str, object]) -> str:
    [(name, pk)] = thing.items()
    return f"{model._meta.label_lower}|{column}|{day.isoformat()}|{name}|{pk}"


def bump_later(model: type[models.Model], column: str, *, day: date, **thing: Any) -> None:
    """`bump`, counted in Redis and written to the database by the next flush (within a minute)."""
    from .cache import UNAVAILABLE

    found = _redis()
    if found is not None:
        client, pending = found
        try:
            client.hincrby(pending, _field(model, column, day, thing), 1)
            return
        except UNAVAILABLE:
            pass  # counted in the database instead; the cache logs the outage on its next call
    bump(model, column, day=day, **thing)


def pending(model: type[models.Model], column: str, *, day: date, **thing: object) -> int:
    """Readings of `thing` counted in Redis and not yet in its row (also any a flush has taken
    and not yet written): add them to the row's figure for an exact count."""
    found = _redis()
    if found is None:
        return 0
    client, name = found
    field = _field(model, column, day, thing)
    keys = [name, *client.scan_iter(match=f"{name}:taken:*")]
    return sum(int(client.hget(key, field) or 0) for key in keys)


def pending_all(model: type[models.Model], column: str) -> dict[tuple[date, int], int]:
    """Every reading of `model`'s `column` counted in Redis and not yet in its row, by (day, pk)
    of the thing counted (also any a flush has taken and not yet written): for a figure summed
    over many rows and days (the dashboard's), as `pending` is for one. Empty without Redis.
    Between a flush's commit and its deleting what it took (a few milliseconds) a reading may be
    seen twice; it is never missed."""
    found = _redis()
    if found is None:
        return {}
    client, name = found
    prefix = f"{model._meta.label_lower}|{column}|"
    counts: dict[tuple[date, int], int] = defaultdict(int)
    for key in [name, *client.scan_iter(match=f"{name}:taken:*")]:
        for raw, count in client.hscan_iter(key, match=f"{prefix}*"):
            _label, _column, day, _name, pk = raw.decode().split("|")
            counts[(date.fromisoformat(day), int(pk))] += int(count)
    return dict(counts)


def flush_pending() -> int:
    """Write every count waiting in Redis to its row; the number of readings written."""
    found = _redis()
    if found is None:
        return 0
    client, name = found
    now = int(time.time())
    written = 0
    for key in client.scan_iter(match=f"{name}:taken:*"):
        taken_at = int(key.rsplit(b":", 2)[-2])
        if now - taken_at < STALE_AFTER:
            continue  # a flush may still be writing it
        mine = f"{name}:taken:{now}:{uuid.uuid4().hex}"
        try:
            client.rename(key, mine)  # only one flush wins a leftover
        except redis.exceptions.ResponseError:
            continue
        written += _write_taken(client, mine)
    mine = f"{name}:taken:{now}:{uuid.uuid4().hex}"
    try:
        client.rename(name, mine)
    except redis.exceptions.ResponseError:  # no such key: nothing counted since the last flush
        return written
    return written + _write_taken(client, mine)


def _write_taken(client: Any, key: str) -> int:
    """Add the counts of the hash `key` (taken by this flush alone) to their rows, then delete it.
    Counts of rows deleted meanwhile (a withdrawn resource) are dropped."""
    grouped: dict[tuple[str, str, str], dict[tuple[date, int], int]] = defaultdict(dict)
    for raw, count in client.hgetall(key).items():
        label, column, day, name, pk = raw.decode().split("|")
        grouped[(label, column, name)][(date.fromisoformat(day), int(pk))] = int(count)
    written = 0
    with transaction.atomic():
        for (label, column, name), counts in grouped.items():
            model = apps.get_model(label)
            related = model._meta.get_field(name).related_model
            existing = set(
                related._default_manager.filter(pk__in={pk for _day, pk in counts}).values_list(
                    "pk", flat=True
                )
            )
            for (day, pk), count in counts.items():
                if pk in existing:
                    bump(model, column, day=day, by=count, **{name: pk})
                    written += count
    client.delete(key)
    return written
