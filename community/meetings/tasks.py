"""Background work for meetings. Every task is idempotent: NoticeDelivery's unique keys let a
retried or duplicated task skip the people it already reached, so acks_late is safe."""

from celery import shared_task

from . import notices


@shared_task(acks_late=True)
def announce_meeting(meeting_id: int) -> int:
    return notices.notices_announce(meeting_id=meeting_id)


@shared_task(acks_late=True)
def dispatch_due_reminders() -> int:
    """Run by beat every 5 minutes (never a long countdown: a moved meeting would be missed)."""
    return notices.notices_remind()


@shared_task(acks_late=True)
def send_update_notices(meeting_id: int, sequence: int) -> int:
    return notices.notices_update(meeting_id=meeting_id, sequence=sequence)


@shared_task(acks_late=True)
def send_cancellation_notices(meeting_id: int, sequence: int) -> int:
    return notices.notices_cancel(meeting_id=meeting_id, sequence=sequence)


@shared_task(acks_late=True)
def forget_unconfirmed_registrations() -> int:
    """Run by beat daily: visitors' requests whose confirmation link expired unused."""
    from . import services

    return services.registrations_forget_unconfirmed()


@shared_task(acks_late=True)
def issue_due_certificates() -> int:
    """Run by beat every 10 minutes: certificates of training meetings that ended, and the
    email saying each is ready (claimed row by row: a second run sends nothing twice)."""
    from .certificates import services

    return services.certificates_issue_due()
