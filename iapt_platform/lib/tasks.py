"""The outbox's tasks (`iapt_platform.outbox`). They keep this module's names, which messages
already in the broker carry."""

from celery import shared_task

from .emails import RenderedEmail


@shared_task(
    # Acknowledged after sending: a worker killed mid-send leaves the row to the redelivered
    # task or to the sweeper (at most one duplicate per kill) instead of losing it. Retries are
    # the sweeper's, with the backoff recorded on the row.
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_email(outgoing_id: int | dict) -> None:
    """Send one outbox row (see `iapt_platform.outbox.services`)."""
    from iapt_platform.outbox import services

    if isinstance(outgoing_id, dict):  # a rendered payload queued before the outbox existed
        outgoing_id = services.outgoing_create(email=RenderedEmail(**outgoing_id)).pk
    services.outgoing_send(pk=outgoing_id)


@shared_task
def sweep_outbox() -> int:
    """Every minute (beat): send what is due and unsent."""
    from iapt_platform.outbox import services

    return services.outgoing_sweep()


@shared_task
def purge_outbox() -> int:
    """Daily (beat): forget old sent and failed rows."""
    from iapt_platform.outbox import services

    return services.outgoing_purge()


@shared_task
def flush_counters() -> int:
    """Every minute (beat): the counts kept in Redis (library readings) written to their rows.
    Idempotent; two at once never take the same counts (`iapt_platform.lib.counters`)."""
    from . import counters

    return counters.flush_pending()
