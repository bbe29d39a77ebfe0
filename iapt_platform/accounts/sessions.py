"""Sessions read from the cache and written through to the database (Django's cached_db), each
copy in the cache kept for `KEEP` seconds at most (settings.SESSION_ENGINE names this module when
Redis is configured).

A session ends by its store's `delete` (signing out, `flush`) or by `sessions_end` in
accounts/services.py, which deletes the cached copies too. A delete made while Redis is away is
lost in the cache alone; were Redis to come back with its data (a network cut, not a restart),
the ended session's copy would sign its cookie in again until it expires: within `KEEP` seconds,
rather than at the session's own expiry two weeks later. Reading the database once every `KEEP`
seconds per session costs nothing worth counting."""

from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.cached_db import SessionStore as CachedDBStore
from django.core.cache import caches

KEEP = 600


class _Briefly:
    """The session cache, with each copy kept `KEEP` seconds at most."""

    def __init__(self, cache: Any) -> None:
        self._cache = cache

    def set(self, key: str, value: Any, timeout: Any = None, **kwargs: Any) -> None:
        self._cache.set(key, value, KEEP if timeout is None else min(timeout, KEEP), **kwargs)

    def __contains__(self, key: str) -> bool:
        return key in self._cache

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cache, name)


class SessionStore(CachedDBStore):
    def __init__(self, session_key: str | None = None) -> None:
        super().__init__(session_key)
        self._cache: Any = _Briefly(caches[settings.SESSION_CACHE_ALIAS])
