"""Background work for surveys. Idempotent: an Invitation row is written (unique per survey and
registration) before each email, so a retried or duplicated run skips who already got it."""

from celery import shared_task

from . import services


@shared_task(acks_late=True)
def send_due_invitations() -> int:
    """Run by beat: surveys of meetings that have ended, to attendees not yet invited."""
    return services.invitations_send_due()


@shared_task(acks_late=True)
def send_meeting_surveys(meeting_id: int) -> int:
    """Queued when a survey is published or a meeting's attendance recorded."""
    return services.invitations_send_due(meeting_id=meeting_id)
