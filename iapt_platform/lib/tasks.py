import smtplib

from celery import shared_task

from .emails import RenderedEmail


@shared_task(
    autoretry_for=(
        smtplib.SMTPServerDisconnected,
        smtplib.SMTPConnectError,
        ConnectionError,
        TimeoutError,
    ),
    retry_backoff=30,
    retry_backoff_max=1800,
    max_retries=8,
    acks_late=False,  # a retried account email is better than a duplicate: ack on receipt
)
def send_email(payload: dict) -> None:
    """Send one rendered email (see `iapt_platform.lib.emails`)."""
    RenderedEmail(**payload).to_message().send()
