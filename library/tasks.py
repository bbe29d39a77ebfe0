from celery import shared_task

from . import services

LINK_BATCH = 20  # a batch stays well inside the task time limit even when every link times out


@shared_task(acks_late=True)  # idempotent: it overwrites the thumbnail and the text
def process_resource_file(resource_id: int) -> None:
    services.resource_process_file(resource_id=resource_id)


@shared_task(acks_late=True)
def process_unprocessed_files() -> int:
    """Every 10 minutes: the files whose own processing task was lost."""
    ids = services.resource_files_to_process()
    for resource_id in ids:
        process_resource_file.delay(resource_id)
    return len(ids)


@shared_task(acks_late=True)
def check_external_links() -> int:
    """Weekly: queue the published resources' external links for checking, in batches."""
    ids = services.resource_links_to_check()
    for start in range(0, len(ids), LINK_BATCH):
        check_link_batch.delay(ids[start : start + LINK_BATCH])
    return len(ids)


@shared_task(acks_late=True)  # idempotent: each check overwrites the last result
def check_link_batch(resource_ids: list[int]) -> int:
    return services.resource_check_links(resource_ids=resource_ids)


@shared_task(acks_late=True)  # idempotent: a second run at once finds nothing to change
def rebuild_search_listings() -> int:
    """The sweep behind the library's search listing: rows written around the signals (a bulk
    load, a raw UPDATE) are put right once a day."""
    return services.search_listings_rebuild()
