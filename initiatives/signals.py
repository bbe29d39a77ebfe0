"""Cache invalidation only: any write to the registry changes the registry version, which every
cached count, facet and chart includes in its key (admin edits and imports included), and the
unfiltered directory is computed again in the background."""

import logging
import threading

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from iapt_platform.lib import pagecache
from iapt_platform.lib.cache import bump_on_change

from . import counts, selectors, services
from .models import Initiative, Programme, SearchListing, Sector

logger = logging.getLogger(__name__)


def _changed(sender, **kwargs) -> None:
    selectors.REGISTRY_VERSION.bump_around_commit()
    transaction.on_commit(_warm_soon, robust=True)


_pending = threading.local()


def _listing_changed(sender, instance, **kwargs) -> None:
    # The listings (related initiatives, search and facets) are derived data, like a cache.
    action = kwargs.get("action")
    if not kwargs.get("reverse"):
        if action is not None and not action.startswith("post_"):
            return
        ids = {instance.pk}
    elif action == "pre_clear":  # sector.initiatives.clear(): its initiatives, before they go
        instance._listing_clearing = set(instance.initiatives.values_list("pk", flat=True))
        return
    elif action == "post_clear":
        ids = getattr(instance, "_listing_clearing", set())
        instance._listing_clearing = set()
    elif action in ("post_add", "post_remove"):  # sector.initiatives.add(...)
        ids = set(kwargs.get("pk_set") or ())
    else:
        return
    # The listings follow inside the transaction: a search, a filtered directory or a sector's
    # page read in it (or in a test) sees what it wrote, a rolled-back write leaves them as they
    # were, and the registry's version bumped after the commit never names stale listings.
    services.search_listings_refresh(initiative_ids=list(ids))
    services.sector_listings_refresh(initiative_ids=list(ids))
    listing_touched(ids)


def listing_touched(ids: set[int]) -> None:
    """Rewrite these initiatives' listings again once the transaction commits (a no-op unless
    something changed around the signals)."""
    pending = getattr(_pending, "ids", None)
    if pending is None:
        pending = _pending.ids = set()
    pending.update(ids)
    # One callback per change, but the first to run takes every id (the others find none).
    transaction.on_commit(_refresh_listings)


def _refresh_listings() -> None:
    ids, _pending.ids = list(getattr(_pending, "ids", ())), set()
    if ids:
        services.sector_listings_refresh(initiative_ids=ids)
        services.search_listings_refresh(initiative_ids=ids)


def _initiative_deleted(sender, instance, **kwargs) -> None:
    # The database drops its listing row by cascade, unseen by the registry's counts: taken out
    # here, in the deleting transaction.
    counts.withdraw([instance.pk])


def _programme_deleted(sender, instance, **kwargs) -> None:
    # Its initiatives lost it through an UPDATE that sends no signal: their search rows follow.
    ids = list(
        SearchListing.objects.filter(programme_id=instance.pk).values_list(
            "initiative_id", flat=True
        )
    )
    if ids:
        services.search_listings_refresh(initiative_ids=ids)


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
    bump_on_change(selectors.SECTORS_VERSION, Sector)  # the sectors each process keeps
    post_save.connect(_listing_changed, sender=Initiative, dispatch_uid="listing-save")
    m2m_changed.connect(
        _listing_changed, sender=Initiative.sectors.through, dispatch_uid="listing-sectors"
    )
    pre_delete.connect(_initiative_deleted, sender=Initiative, dispatch_uid="counts-delete")
    # Whether a member manages an initiative is kept with their reading of its page (pagecache):
    # a manager added or removed, from either side, reads it again at once.
    pagecache.members_change_with_link(Initiative.managers.through, get_user_model())
    post_delete.connect(_programme_deleted, sender=Programme, dispatch_uid="listing-programme")
