"""Cache invalidation only: any write to the registry changes the registry version, which every
cached count, facet and chart includes in its key (admin edits and imports included), and the
unfiltered directory is computed again in the background."""

import logging

from django.conf import settings
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save

from . import selectors
from .models import Initiative, Programme, Sector

logger = logging.getLogger(__name__)


def _changed(sender, **kwargs) -> None:
    transaction.on_commit(selectors.registry_changed)
    transaction.on_commit(_warm_soon, robust=True)


def _warm_soon() -> None:
    # The unfiltered directory is what most visitors open first: its counts and facets are
    # computed again a few seconds after a change (once per burst), not by the next visitor.
    # With tasks run in-process (no broker) warming would only slow the save down: skipped.
    if settings.CELERY_TASK_ALWAYS_EAGER or not selectors.directory_warm_due():
        return
    from . import tasks

    try:
        tasks.warm_directory.apply_async(countdown=5)
    except Exception:  # the broker is away: the next visitor computes the page, nothing is lost
        selectors.directory_warm_pending_clear()
        logger.warning("could not queue the directory warm-up", exc_info=True)


def connect() -> None:
    for model in (Initiative, Sector, Programme):
        post_save.connect(_changed, sender=model, dispatch_uid=f"registry-save-{model.__name__}")
        post_delete.connect(
            _changed, sender=model, dispatch_uid=f"registry-delete-{model.__name__}"
        )
    m2m_changed.connect(
        _changed, sender=Initiative.sectors.through, dispatch_uid="registry-sectors"
    )
