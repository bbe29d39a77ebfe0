import datetime as dt
import smtplib

from celery import shared_task

from . import digests, notifications


# Idempotent: each notification is claimed in the transaction that hands it to the mail server,
# so a retry or a redelivery after a lost worker sends only what was not sent.
@shared_task(
    autoretry_for=(
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPConnectError,
        ConnectionError,
        TimeoutError,
    ),
    retry_backoff=30,
    retry_backoff_max=600,  # under the broker's visibility timeout
    max_retries=8,
    acks_late=True,
    reject_on_worker_lost=True,
)
def email_notifications(post_id: int) -> int:
    return notifications.email_notifications(post_id=post_id)


@shared_task(acks_late=True)  # idempotent: it only queues the idempotent task above
def email_notification_stragglers() -> int:
    """Every ten minutes: notification emails whose task was lost are queued again."""
    return notifications.notifications_email_stragglers()


@shared_task(acks_late=True)
def send_due_digests() -> int:
    """Hourly: queue one task per member whose daily or weekly digest is due."""
    count = 0
    for due in digests.digests_due():
        send_digest.delay(
            due.user_id, due.kind, due.period_start.isoformat(), due.period_end.isoformat()
        )
        count += 1
    return count


# Idempotent: the Digest row is unique per member and period, and commits only with the email sent.
# No retries of its own: a failure records nothing, and the next hourly run sends it again.
@shared_task(acks_late=True)
def send_digest(user_id: int, kind: str, period_start: str, period_end: str) -> bool:
    digest = digests.digest_send(
        user_id=user_id,
        kind=kind,
        period_start=dt.datetime.fromisoformat(period_start),
        period_end=dt.datetime.fromisoformat(period_end),
    )
    return bool(digest and digest.sent)
