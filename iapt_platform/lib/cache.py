"""The shared cache (Redis in production), made to tolerate Redis being away.

Pages only use the cache to go faster (facet counts, page ids, whole pages for visitors), so while
Redis is down or unreachable every operation behaves as a miss: reads return the default, writes
store nothing, and the page is computed from the database. A short socket timeout in the settings
bounds what one call can cost; after a failure this process stops trying for `RETRY_AFTER` seconds,
so a page that makes ten cache calls pays for at most one. Failures are logged as a warning when
an outage starts, then once a minute with a count, and once more when Redis answers again.

Sessions are read from the cache and written through to the database (cached_db,
iapt_platform/accounts/sessions.py), so an outage signs nobody out: a miss reads the database.

Rate limits that keep their counters in the cache, and what an outage does to them (deliberate):

* `add` answers False ("not stored"), never a false "yes": callers use it as a lock or a
  first-time flag, and two callers must not both believe they hold it. allauth takes a lock with
  `add` around each of its rate limits (on POST), so while Redis is away signing in, signing up,
  password resets and two-factor codes answer 429 after a second (templates/429.html, "wait a
  moment"): fail-closed, because those limits are what stand between a password or a six-digit
  code and a guessing script. Members already signed in are not affected, and pages (GET) are
  not limited.
* `incr` raises ValueError, as for a key that does not exist. The limits of public forms (the
  bulletin's subscription and the meetings' visitor registration, `iapt_platform.lib.ratelimit`)
  then count one and let the request through, and the forum's posting limit
  (`community.services._check_rate`, a list read with `get`) sees no recent posts: fail-open,
  because they brake floods rather than guard secrets, and refusing everyone with "you sent too
  many" during an outage would be wrong. The bulletin's sending rate
  (`newsletter.transport.RateLimiter`) cannot count and waits: sending pauses until Redis
  is back (the broker is the same Redis, so little else runs meanwhile).
* A version bump (`CacheVersion.bump`: one per kind of content) made during an outage
  is lost; if Redis comes back with its data (a network cut rather than a
  restart) the pages cached before show until their timeout, a few minutes.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import redis
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

if TYPE_CHECKING:
    from django.db.models import Model

logger = logging.getLogger(__name__)

UNAVAILABLE = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
RETRY_AFTER = 1.0  # seconds this process leaves Redis alone after a failed call
WARN_EVERY = 60.0  # seconds between two warnings during one outage

T = TypeVar("T")


class _Outage:
    """What one process knows about one Redis server being away.

    Shared by the backend instances of every thread (Django keeps one instance per thread)."""

    def __init__(self, server: str) -> None:
        self.server = server
        self.lock = threading.Lock()
        self.retry_at = 0.0  # monotonic time before which calls are not tried
        self.started = 0.0  # when the current outage started; 0: none
        self.failures = 0  # failed or skipped calls since it started
        self.warned_at = 0.0

    def skipping(self) -> bool:
        if self.retry_at and time.monotonic() < self.retry_at:
            with self.lock:
                self.failures += 1
            return True
        return False

    def failed(self, operation: str, error: BaseException) -> None:
        now = time.monotonic()
        args: tuple[Any, ...]
        with self.lock:
            self.retry_at = now + RETRY_AFTER
            self.failures += 1
            if not self.started:
                self.started = self.warned_at = now
                message, args = (
                    "cache server %s unavailable (%s in %s: %s); pages carry on without the cache",
                    (self.server, type(error).__name__, operation, error),
                )
            elif now - self.warned_at >= WARN_EVERY:
                self.warned_at = now
                message, args = (
                    "cache server %s still unavailable after %.0f s, %d calls missed (%s)",
                    (self.server, now - self.started, self.failures, error),
                )
            else:
                return
        logger.warning(message, *args)

    def succeeded(self) -> None:
        if not self.started:  # the usual case: no lock taken
            return
        with self.lock:
            if not self.started:
                return
            took, missed = time.monotonic() - self.started, self.failures
            self.started, self.failures, self.retry_at = 0.0, 0, 0.0
        logger.warning(
            "cache server %s answers again after %.1f s, %d calls missed", self.server, took, missed
        )


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(server: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(server, _Outage(server))


def reset_outages() -> None:
    """Forget every known outage (tests)."""
    with _outages_lock:
        _outages.clear()


class TolerantRedisCache(RedisCache):
    """Django's Redis cache, with every operation a page makes turned into a miss when Redis is
    unreachable (see the module's docstring). `clear()` still fails loudly: it is never part of a
    page."""

    def __init__(self, server: str | list[str], params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._outage = _outage_for(server if isinstance(server, str) else ",".join(server))

    def validate_key(self, key: Any) -> None:
        """Nothing to check: Django's check warns of keys memcached would refuse (over 250
        characters, spaces, control characters), which Redis takes as they are, and it walks
        every character of every key in Python: a tenth of what a kept page's read costs."""

    def _tolerant(self, operation: str, call: Callable[[], T], miss: Callable[[], T]) -> T:
        if self._outage.skipping():
            return miss()
        try:
            result = call()
        except UNAVAILABLE as error:
            self._outage.failed(operation, error)
            return miss()
        self._outage.succeeded()
        return result

    def get(self, key: Any, default: Any = None, version: Any = None) -> Any:
        return self._tolerant(
            "get", lambda: RedisCache.get(self, key, default, version), lambda: default
        )

    def get_many(self, keys: Any, version: Any = None) -> dict[Any, Any]:
        return self._tolerant("get_many", lambda: RedisCache.get_many(self, keys, version), dict)

    def has_key(self, key: Any, version: Any = None) -> bool:
        return self._tolerant(
            "has_key", lambda: RedisCache.has_key(self, key, version), lambda: False
        )

    def set(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> None:
        self._tolerant(
            "set", lambda: RedisCache.set(self, key, value, timeout, version), lambda: None
        )

    def set_many(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> list[Any]:
        # Django's contract: the keys that could not be stored.
        return self._tolerant(
            "set_many",
            lambda: RedisCache.set_many(self, data, timeout, version),
            lambda: list(data),
        )

    def add(
        self, key: Any, value: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None
    ) -> bool:
        return self._tolerant(
            "add", lambda: RedisCache.add(self, key, value, timeout, version), lambda: False
        )

    def touch(self, key: Any, timeout: Any = DEFAULT_TIMEOUT, version: Any = None) -> bool:
        return self._tolerant(
            "touch", lambda: RedisCache.touch(self, key, timeout, version), lambda: False
        )

    def delete(self, key: Any, version: Any = None) -> bool:
        return self._tolerant(
            "delete", lambda: RedisCache.delete(self, key, version), lambda: False
        )

    def delete_many(self, keys: Any, version: Any = None) -> None:
        self._tolerant(
            "delete_many", lambda: RedisCache.delete_many(self, keys, version), lambda: None
        )

    def set_many_and_delete(
        self, data: dict[Any, Any], timeout: Any = DEFAULT_TIMEOUT, delete: Any = ()
    ) -> None:
        """`set_many(data, timeout)` and `delete_many(delete)` in one round trip (a page kept and
        the lock of its rendering released)."""

        def call() -> None:
            seconds = self.get_backend_timeout(timeout)
            redis_client = self._cache  # type: ignore[attr-defined]  # Django's own client
            pipeline = redis_client.get_client(None, write=True).pipeline(transaction=False)
            for key, value in data.items():
                made = self.make_and_validate_key(key, version=None)
                if seconds == 0:
                    pipeline.delete(made)
                else:
                    pipeline.set(made, redis_client._serializer.dumps(value), ex=seconds)
            for key in delete:
                pipeline.delete(self.make_and_validate_key(key, version=None))
            pipeline.execute()

        self._tolerant("set_many_and_delete", call, lambda: None)

    def incr(self, key: Any, delta: int = 1, version: Any = None) -> int:
        def miss() -> int:
            raise ValueError(f"Key {key!r} not found (the cache server is unavailable).")

        return self._tolerant("incr", lambda: RedisCache.incr(self, key, delta, version), miss)

    def count(self, key: Any, seconds: int) -> int:
        """See `count` below: the counter created if missing and counted in one round trip."""

        def call() -> int:
            made = self.make_and_validate_key(key)
            client = self._cache.get_client(made, write=True)  # type: ignore[attr-defined]
            pipe = client.pipeline(transaction=False)
            pipe.set(made, 0, ex=seconds, nx=True)  # an int is stored as itself: INCR adds to it
            pipe.incr(made)
            return int(pipe.execute()[1])

        def miss() -> int:
            raise ValueError(f"Key {key!r} not counted (the cache server is unavailable).")

        return self._tolerant("count", call, miss)


def count(key: str, seconds: int) -> int:
    """One more for the counter `key`, which starts at the first and lasts `seconds`: how many
    there are now. ValueError when the cache cannot count (it is away)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, TolerantRedisCache):
        return backend.count(key, seconds)
    cache.add(key, 0, timeout=seconds)
    return cache.incr(key)


def set_many_and_delete(data: dict[str, Any], timeout: Any, *, delete: Iterable[str]) -> None:
    """Keep `data` for `timeout` seconds and delete the keys `delete`: in one round trip with
    Redis, in two calls with another cache (the embedded file cache)."""
    delete = list(delete)
    combined = getattr(cache, "set_many_and_delete", None)
    if combined is not None:
        combined(data, timeout, delete)
        return
    if data:
        cache.set_many(data, timeout)
    if delete:
        cache.delete_many(delete)


# Every CacheVersion's key (they are module constants), and what versions_read_together read.
_VERSION_KEYS: set[str] = set()
_read_together = threading.local()


@contextmanager
def versions_read_together(
    *also: str, known: dict[str, Any] | None = None, versions: Iterable[str] = ()
) -> Iterator[dict[str, Any] | None]:
    """Inside, every `CacheVersion.get` answers from one `get_many` of all the versions made on
    entry: a page that shows seven kinds of content (the home) asks Redis once, not seven times.
    What is read is as fresh as seven reads at the start of the request would be. Nested uses
    share the outer read.

    `also`: other keys read in the same call (a kept page); what was found of them is what the
    block gets (None inside an outer use, which read before they were known). `known`: what
    `read_values()` gave inside an earlier block of the same request, used instead of a read.
    `versions`: the keys of versions of one reader (not registered: made on each use), read in
    the same call and answered inside as the others."""
    if getattr(_read_together, "values", None) is not None:
        yield None
        return
    if known is not None:
        found = dict(known)
    else:
        found = cache.get_many([*sorted(_VERSION_KEYS), *versions, *also])
    extra = {key: found.pop(key) for key in also if key in found}
    _read_together.values = found
    try:
        yield extra
    finally:
        _read_together.values = None


def read_values() -> dict[str, Any]:
    """The versions the current `versions_read_together` block read ({} outside one)."""
    return dict(getattr(_read_together, "values", None) or {})


class CacheVersion:
    """A number that changes whenever some content changes: the cache keys of every read of that
    content include it, so one bump turns them all into misses at once (nothing to find and
    delete; the old entries expire). Apps keep one each, as module constants:

        REGISTRY = CacheVersion("initiatives:registry-version")
        key = f"initiatives:dir:{REGISTRY.get()}:{digest}"
        transaction.on_commit(REGISTRY.bump)  # after each write to what the keys cover

    The counter never expires. When it is missing (a fresh or flushed cache) it starts at 1, and
    a bump of a missing counter sets 2, so a read cached under 1 just before cannot survive it.
    `random_start`: it starts at a random number instead, for what is kept outside the cache
    (in a process's memory) under it, which a flush of the cache does not empty.
    """

    random_start = False

    def __init__(self, key: str, *, random_start: bool = False) -> None:
        self.key = key
        self.random_start = random_start
        _VERSION_KEYS.add(key)

    def _start(self, after: int = 0) -> int:
        return secrets.randbits(48) + 2 if self.random_start else after + 1

    def get(self) -> int:
        known = getattr(_read_together, "values", None)
        if known is not None and self.key in known:
            return known[self.key]
        version = cache.get(self.key)
        if version is None:
            version = self._start()
            if not cache.add(self.key, version, None):
                version = cache.get(self.key) or version
        return version

    def bump(self) -> None:
        try:
            cache.incr(self.key)
        except ValueError:  # missing, or the cache is away (then the set is lost as well)
            cache.set(self.key, self._start(after=1), None)

    def bump_around_commit(self) -> None:
        """Bump now and again once the current transaction commits (at once outside one): the
        first makes the writer's own next read fresh (and a test's, where nothing commits); the
        second drops what another reader cached from the database between the two."""
        from django.db import transaction

        self.bump()
        transaction.on_commit(self.bump)


def timed(version: Callable[[], object], seconds: int) -> Callable[[], str]:
    """The version of content that also changes with time alone (a meeting that starts, a story
    scheduled for later, an offer that expires): the version and the current slot of `seconds`, so
    what is kept under it is read again at least once a slot, on the clock rather than from when
    it was stored."""

    def get() -> str:
        return f"{version()}.{int(time.time() // seconds)}"

    return get


def bump_on_change(
    version: CacheVersion, *models: type[Model], m2m: tuple[type[Model], ...] = ()
) -> None:
    """Cache invalidation (the one use of signals): any save or delete of `models`, and any change
    to the many-to-many tables `m2m` (their `through`), bumps `version` once the transaction
    commits (and at once: see `CacheVersion.bump_around_commit`), so admin edits and imports
    invalidate as the services do. Writes that send no signal
    (`QuerySet.update`, `bulk_create`) bump in the service that makes them."""
    from django.db.models.signals import m2m_changed, post_delete, post_save

    def changed(sender: type, **kwargs: Any) -> None:
        action = kwargs.get("action")
        if action is None or action.startswith("post_"):
            version.bump_around_commit()

    for model in models:
        uid = f"bump:{version.key}:{model._meta.label}"
        # weak=False: the receiver is a closure, kept by the signal itself.
        post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
        post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")
    for through in m2m:
        uid = f"bump:{version.key}:{through._meta.label}:m2m"
        m2m_changed.connect(changed, sender=through, weak=False, dispatch_uid=uid)
