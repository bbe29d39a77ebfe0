"""The bulletin's tasks. They take ids and call services.

`prepare_issue` and `send_chunk` run on the "bulk" queue (settings.CELERY_TASK_ROUTES) so that a
large send never delays account emails; the two beat tasks are light and stay on "default".
"""

from __future__ import annotations

from celery import shared_task

from iapt_platform.lib.queueing import delay_on_commit

from .services import delivery, imports, issues


@shared_task(acks_late=True)
def prepare_issue(issue_id: int) -> int:
    return delivery.issue_prepare(issue_id=issue_id)


# acks_late: a chunk whose worker died is redelivered; the row claims make a redelivery harmless.
@shared_task(bind=True, acks_late=True, max_retries=8)
def send_chunk(self, issue_id: int, first_id: int, last_id: int) -> dict:
    outcome = delivery.deliveries_send_chunk(issue_id=issue_id, first_id=first_id, last_id=last_id)
    if outcome.continue_later:
        send_chunk.delay(issue_id, first_id, last_id)
    elif outcome.temporary_error and outcome.released:
        # 30 s, 1 min, 2 min ... at most 30 min: temporary SMTP trouble usually passes.
        countdown = min(30 * 2**self.request.retries, 1800)
        raise self.retry(countdown=countdown, exc=None)
    return {"sent": outcome.sent, "failed": outcome.failed, "skipped": outcome.skipped}


@shared_task
def dispatch_due_issues() -> list[int]:
    """Beat, every minute: start the scheduled issues whose time has come."""
    return issues.issues_dispatch_due()


@shared_task
def requeue_stuck_deliveries() -> dict:
    """Beat, every minute: rows of a dead worker go back to the queue."""
    result = delivery.deliveries_requeue_stuck()
    return {"reset": result.reset, "requeued": result.requeued_issues}


# The import runs on the "bulk" queue too (settings.CELERY_TASK_ROUTES): 50,000 rows must not
# hold up account emails.
@shared_task(acks_late=True)
def check_subscriber_import(import_id: int) -> int | None:
    job = imports.subscriber_import_check(import_id=import_id)
    return job.total_rows if job else None


# acks_late: a run whose worker died is redelivered; the job's claim makes that harmless.
@shared_task(acks_late=True)
def run_subscriber_import(import_id: int) -> int:
    outcome = imports.subscriber_import_run(import_id=import_id)
    if outcome.continue_later:
        delay_on_commit(run_subscriber_import, import_id)
    return outcome.chunks


@shared_task
def resume_subscriber_imports() -> list[int]:
    """Beat, every minute: dry runs and runs whose task was lost or whose worker died."""
    return imports.subscriber_imports_resume()
