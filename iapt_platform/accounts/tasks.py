from celery import shared_task
from django.core import management


@shared_task(acks_late=True)  # idempotent: clearing twice is harmless
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")
