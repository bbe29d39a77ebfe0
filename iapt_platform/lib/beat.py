"""One run per schedule entry and tick, however many beat processes send it.

Every scheduled task is idempotent in its service (it claims each item with a conditional UPDATE,
a unique row or `select_for_update(skip_locked)` before sending it), so a second beat started by
mistake cannot send anything twice. This lock is the second line: a beat message carries the
minute it was sent for (`BEAT_TICK_HEADER`, stamped at publication), and the worker runs the first
message of each task, arguments and minute and drops the others, so two beats do not double the
work either. The lock is a cache `add` (Redis `SET NX EX`); with the cache away it lets the run
through and the services' claims do the rest. Tasks called directly, eagerly or queued by code
carry no beat header and are never held back.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from typing import Any

from celery import Task
from celery.signals import before_task_publish
from django.utils import timezone

logger = logging.getLogger(__name__)

BEAT_TICK_HEADER = "iapt_beat_tick"
# Longer than two beats' copies of one tick take to reach a worker (seconds), shorter than the
# broker's visibility timeout (1 hour), so that the redelivery of a run lost with its worker runs.
LOCK_SECONDS = 10 * 60


def tick_of(moment: Any = None) -> str:
    """The minute a beat message is for, as text (UTC)."""
    moment = moment or timezone.now()
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M")


def tick_claim(*, task_name: str, args: Any, kwargs: Any, tick: str) -> bool:
    """True for the first caller of this task, arguments and tick; False for the others."""
    from django.core.cache import cache

    arguments = json.dumps([args or [], kwargs or {}], sort_keys=True, default=str)
    digest = hashlib.sha1(arguments.encode(), usedforsecurity=False).hexdigest()[:12]
    key = f"beat-tick:{task_name}:{digest}:{tick}"
    try:
        return bool(cache.add(key, 1, timeout=LOCK_SECONDS))
    except Exception:  # the cache away: the services' own claims still hold
        logger.warning("beat lock unavailable for %s; running it", task_name, exc_info=True)
        return True


@before_task_publish.connect
def _stamp_beat_tick(headers: dict | None = None, **_: Any) -> None:
    """In the beat process: mark a scheduled message with the minute it is sent for."""
    if headers is not None and headers.get("celery_beat_task") and BEAT_TICK_HEADER not in headers:
        headers[BEAT_TICK_HEADER] = tick_of()


def _beat_tick(request: Any) -> str | None:
    if request.called_directly or request.is_eager:
        return None
    if getattr(request, BEAT_TICK_HEADER, None):
        return getattr(request, BEAT_TICK_HEADER)
    headers = request.headers or {}
    if headers.get(BEAT_TICK_HEADER):
        return headers[BEAT_TICK_HEADER]
    if getattr(request, "celery_beat_task", None) or headers.get("celery_beat_task"):
        return tick_of()  # sent by a beat that does not stamp: the minute it arrived in
    return None


class OncePerTickTask(Task):
    """The application's task class (`iapt_platform.celery`): a beat message runs once per tick."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        request = self.request_stack.top
        if request is None or request.called_directly:  # called as a function
            return super().__call__(*args, **kwargs)
        # Run by a worker or eagerly: the tracer has pushed the request, and runs `run` itself
        # for tasks without their own `__call__`; so do we, keeping its request (id, retries).
        tick = _beat_tick(request)
        if tick is not None and not tick_claim(
            task_name=self.name, args=args, kwargs=kwargs, tick=tick
        ):
            # Worth an operator's look: only a second beat (or a beat restarted within the
            # minute) sends one entry twice for one minute.
            logger.warning(
                "%s for %s already ran: skipped (is a second beat running?)", self.name, tick
            )
            return None
        return self.run(*args, **kwargs)
