from celery import shared_task

from . import services


@shared_task(acks_late=True)  # idempotent: each initiative is marked as asked in its own commit
def request_freshness_confirmations() -> int:
    return services.freshness_request_due()


@shared_task(acks_late=True)  # idempotent: flagged initiatives carry stale_flagged_at
def flag_stale_initiatives() -> int:
    return services.stale_flag_due()
