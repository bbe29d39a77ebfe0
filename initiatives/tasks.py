from celery import shared_task
from django.http import QueryDict

from . import selectors, services


@shared_task(acks_late=True)  # idempotent: each initiative is marked as asked in its own commit
def request_freshness_confirmations() -> int:
    return services.freshness_request_due()


@shared_task(acks_late=True)  # idempotent: flagged initiatives carry stale_flagged_at
def flag_stale_initiatives() -> int:
    return services.stale_flag_due()


@shared_task(ignore_result=True)  # only fills the cache: losing a run costs the next visitor time
def warm_directory() -> None:
    """Counts, facets and first page of the unfiltered directory, computed before anyone asks."""
    selectors.directory_warm_pending_clear()
    for query in ("", "sort=newest"):
        directory = selectors.initiative_directory(QueryDict(query), page_number=None)
        directory.page  # noqa: B018 (reading it loads and caches the first page of ids)


@shared_task(acks_late=True)  # idempotent: a second run at once finds nothing to change
def rebuild_sector_listings() -> int:
    """The sweep behind the related initiatives' listing: rows written around the signals (a bulk
    load, a raw UPDATE) are put right once a day."""
    return services.sector_listings_rebuild()


@shared_task(acks_late=True)  # idempotent: a second run at once finds nothing to change
def rebuild_search_listings() -> int:
    """The sweep behind the search listing (the directory's search and facets): rows written
    around the signals are put right once a day."""
    return services.search_listings_rebuild()
