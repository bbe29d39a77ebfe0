import logging

from celery import shared_task
from django.core import management

from iapt_platform.lib.queueing import delay_on_commit

from . import services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True)  # idempotent: clearing twice is harmless
def clear_expired_sessions() -> None:
    management.call_command("clearsessions")


@shared_task(acks_late=True)  # the build claims its request: a second delivery does nothing
def build_data_export(export_id: int) -> None:
    try:
        services.data_export_build(export_id=export_id)
    except Exception:
        logger.exception("data export %s could not be built", export_id)
        services.data_export_fail(export_id=export_id)


@shared_task(acks_late=True)
def sweep_data_exports() -> int:
    """Every 15 minutes: delete expired archives; send again the builds lost with a worker."""
    sweep = services.data_exports_sweep()
    for export_id in sweep.resent:
        delay_on_commit(build_data_export, export_id)
    return sweep.expired
