from celery import shared_task

from . import services


@shared_task(acks_late=True)  # idempotent: the copies are rebuilt from the stored image
def make_hero_renditions(story_id: int) -> int:
    return len(services.story_make_renditions(story_id=story_id))


@shared_task(acks_late=True)  # idempotent: each story carries proposer_notified_at once emailed
def notify_published_proposers() -> int:
    return services.story_notify_published_due()


@shared_task(acks_late=True)  # idempotent: a story announced twice tells nobody twice
def announce_due_stories() -> int:
    """Every quarter hour: scheduled stories that became public are news for their followers."""
    from . import announcements

    return announcements.story_announce_due()
