from celery import shared_task

from . import services


@shared_task(acks_late=True)  # idempotent: each opportunity carries closing_announced_at once told
def announce_closing() -> int:
    return services.announce_closing_due()
