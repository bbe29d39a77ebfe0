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
    retry_backoff_max=600,  # under the broker's visibility timeout, or a retry is delivered twice
    max_retries=8,
    # Acknowledged after sending: a worker killed mid-send leaves the message to another worker
    # (at most one duplicate per kill) instead of losing it.
    acks_late=True,
    reject_on_worker_lost=True,
)
def send_email(payload: dict) -> None:
    """Send one rendered email (see `iapt_platform.lib.emails`)."""
    RenderedEmail(**payload).to_message().send()
