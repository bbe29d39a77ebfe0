"""Counting the calls a request makes to the default cache: each is a round trip to Redis."""

from collections.abc import Iterator
from contextlib import contextmanager
from unittest import mock

from django.core.cache import caches


@contextmanager
def cache_calls(names=("get", "get_many", "add", "incr")) -> Iterator[list[tuple[str, object]]]:
    """The default cache's calls made inside, as (name, first argument), in order. The
    local-memory cache's get_many calls its own get: only the outer call counts."""
    backend = caches["default"]
    calls: list[tuple[str, object]] = []
    inside: list[str] = []
    originals = {name: getattr(backend, name) for name in names}

    def counting(name):
        def call(*args, **kwargs):
            if not inside:
                calls.append((name, args[0] if args else None))
            inside.append(name)
            try:
                return originals[name](*args, **kwargs)
            finally:
                inside.pop()

        return call

    with mock.patch.multiple(backend, **{name: counting(name) for name in originals}):
        yield calls
