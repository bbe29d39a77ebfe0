from celery import shared_task

from iapt_platform.lib.news import Announcement

from . import services


# Idempotent: a notification is unique per person and object, and each email is claimed in the
# transaction that writes it to the outbox; a redelivered task tells nobody twice.
@shared_task(acks_late=True, autoretry_for=(ConnectionError,), retry_backoff=30, max_retries=5)
def deliver_news(announcement: dict) -> int:
    return services.news_deliver(announcement=Announcement.from_dict(announcement))
