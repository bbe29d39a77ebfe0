"""Queueing a task once the current transaction commits, without turning a broker outage into an
error page for a write that is already saved.

Celery retries a publish for a moment; if the broker is still away (Redis restarting), a task
that must not be lost (an email) runs here, in the request, and anything else is logged.
"""

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)


def delay_on_commit(task: Any, *args: Any, run_here_if_broker_down: bool = False) -> None:
    def publish() -> None:
        try:
            task.delay(*args)
        except Exception:  # kombu's OperationalError, redis' ConnectionError, an OSError...
            if not run_here_if_broker_down:
                logger.error("could not queue %s%r", task.name, args, exc_info=True)
                return
            logger.warning("broker away: running %s in this process", task.name, exc_info=True)
            # One attempt (its retries would run back to back in the request); if that fails
            # too, the error is logged by on_commit and the task's own sweep, if any, recovers.
            task.apply(args=args, retries=getattr(task, "max_retries", None) or 0)

    transaction.on_commit(publish, robust=True)
