from celery import shared_task

from . import services


@shared_task(acks_late=True)  # idempotent: each reminder is claimed per moderator and local day
def remind_moderators() -> int:
    """Hourly: the day's reminder of the waiting queue to each moderator whose morning it is."""
    return services.queue_reminders_send()
