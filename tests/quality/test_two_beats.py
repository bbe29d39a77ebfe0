"""Two beat processes started by mistake send nothing twice.

Two lines of defence (iapt_platform/lib/beat.py): every scheduled task claims each item before
sending it (a conditional UPDATE, a unique row or `select_for_update(skip_locked)`), and the task
class runs one beat message per task and minute. The claims need PostgreSQL to be tested under
real concurrency; the lock runs anywhere. bench/two_beats.py starts two real beats.
"""

import datetime
import os
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.utils import timezone

from iapt_platform.lib import beat
from iapt_platform.moderation.models import ModerationItem
from initiatives import tasks as initiative_tasks
from newsletter import tasks as newsletter_tasks
from tests.factories import InitiativeFactory

START = datetime.datetime(2026, 1, 10, 12, 0, tzinfo=datetime.UTC)


def _as_beat_message(task, tick: str, *args):
    """Run a task as the worker runs a message that a beat sent for `tick`."""
    task = task._get_current_object()
    task.push_request(called_directly=False, is_eager=False, headers={"celery_beat_task": True})
    task.request.headers[beat.BEAT_TICK_HEADER] = tick
    try:
        return beat.OncePerTickTask.__call__(task, *args)
    finally:
        task.pop_request()


def test_every_task_is_once_per_tick():
    assert isinstance(
        newsletter_tasks.dispatch_due_issues._get_current_object(), beat.OncePerTickTask
    )
    assert isinstance(
        initiative_tasks.flag_stale_initiatives._get_current_object(), beat.OncePerTickTask
    )


@pytest.mark.django_db
def test_a_second_beat_message_of_the_same_minute_is_dropped(monkeypatch):
    runs = []
    monkeypatch.setattr("initiatives.services.stale_flag_due", lambda: runs.append(1) or 0)
    task = initiative_tasks.flag_stale_initiatives
    assert _as_beat_message(task, "2026-01-10T04:40") == 0
    assert _as_beat_message(task, "2026-01-10T04:40") is None  # the other beat's copy
    assert _as_beat_message(task, "2026-01-11T04:40") == 0  # the next day's tick runs
    assert len(runs) == 2
    task()  # called directly (code, tests, the shell): never held back
    task.delay()
    assert len(runs) == 4


def test_the_beat_stamps_its_messages_with_their_minute():
    headers = {"celery_beat_task": True}
    with time_machine.travel(datetime.datetime(2026, 3, 1, 8, 5, 59, tzinfo=datetime.UTC)):
        beat._stamp_beat_tick(headers=headers)
    assert headers[beat.BEAT_TICK_HEADER] == "2026-03-01T08:05"
    others = {}
    beat._stamp_beat_tick(headers=others)  # queued by code, not by a beat
    assert beat.BEAT_TICK_HEADER not in others


@pytest.mark.django_db
def test_with_the_cache_away_the_run_goes_ahead(monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionError("cache away")

    monkeypatch.setattr("django.core.cache.cache.add", refuse)
    assert beat.tick_claim(task_name="x", args=(), kwargs={}, tick="2026-01-10T04:40")


# --- PostgreSQL: two runs at once, each item once ---------------------------------------------


def _needs_postgresql():
    if connection.vendor != "postgresql":
        assert not os.environ.get("CI"), "CI must run this test on PostgreSQL (DATABASE_URL)."
        pytest.skip("Concurrent claims need PostgreSQL: set DATABASE_URL (CI sets it).")


def _twice_at_once(task) -> list:
    """Run a task in two threads (two connections) at the same moment, as two beats would."""
    start = threading.Barrier(2)
    results = []

    def run() -> None:
        from django.db import connection as own

        try:
            start.wait(10)
            results.append(task())
        finally:
            own.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.django_db(transaction=True)
def test_two_stale_flag_runs_at_once_flag_each_initiative_once():
    _needs_postgresql()
    with time_machine.travel(START, tick=False):
        stale = InitiativeFactory.create_batch(30, last_verified_at=timezone.now())
    with time_machine.travel(START + datetime.timedelta(days=549)):
        results = _twice_at_once(initiative_tasks.flag_stale_initiatives)
    assert sum(results) == 30
    assert ModerationItem.objects.filter(kind="stale_initiative").count() == len(stale)


@pytest.mark.django_db(transaction=True)
def test_two_listing_sweeps_at_once_list_each_initiative_once():
    from initiatives.models import SectorListing

    _needs_postgresql()
    InitiativeFactory.create_batch(30)
    SectorListing.objects.all().delete()  # as after a bulk load that bypassed the signals
    results = _twice_at_once(initiative_tasks.rebuild_sector_listings)
    assert len(results) == 2  # neither run failed on the other's rows
    assert SectorListing.objects.count() == 30
    assert SectorListing.objects.values("initiative").distinct().count() == 30


@pytest.mark.django_db(transaction=True)
def test_two_freshness_runs_at_once_email_each_manager_once(promoter):
    _needs_postgresql()
    with time_machine.travel(START, tick=False):
        for initiative in InitiativeFactory.create_batch(30, last_verified_at=timezone.now()):
            initiative.managers.add(promoter)
    with time_machine.travel(START + datetime.timedelta(days=366)):
        results = _twice_at_once(initiative_tasks.request_freshness_confirmations)
    assert sum(results) == 30
    assert len(mail.outbox) == 30


@pytest.mark.django_db(transaction=True)
def test_two_reminder_runs_at_once_remind_each_person_once():
    _needs_postgresql()
    from community.meetings import tasks as meeting_tasks
    from tests.meetings.factories import MeetingFactory, RegistrationFactory

    meeting = MeetingFactory(starts_at=timezone.now() + datetime.timedelta(minutes=50))
    RegistrationFactory.create_batch(20, meeting=meeting)
    results = _twice_at_once(meeting_tasks.dispatch_due_reminders)
    assert sum(results) == 20
    assert sorted(len(message.to) for message in mail.outbox) == [1] * 20
    assert len({message.to[0] for message in mail.outbox}) == 20


@pytest.mark.django_db(transaction=True)
def test_two_queue_reminder_runs_at_once_remind_each_moderator_once():
    _needs_postgresql()
    from iapt_platform.accounts import roles
    from iapt_platform.moderation import services as moderation_services
    from iapt_platform.moderation import tasks as moderation_tasks
    from tests.factories import UserFactory

    moderators = UserFactory.create_batch(5, roles=[roles.MEMBER, roles.MODERATOR], time_zone="UTC")
    submitter = UserFactory()
    with time_machine.travel(START, tick=False):
        moderation_services.moderation_submit(
            obj=InitiativeFactory(), kind="initiative", submitted_by=submitter
        )
    with time_machine.travel(START + datetime.timedelta(days=1)):
        results = _twice_at_once(moderation_tasks.remind_moderators)
    assert sum(results) == 5
    assert sorted(message.to[0] for message in mail.outbox) == sorted(m.email for m in moderators)


@pytest.mark.django_db(transaction=True)
def test_two_data_export_sweeps_at_once_expire_each_archive_once():
    _needs_postgresql()
    from django.core.files.base import ContentFile

    from iapt_platform.accounts import tasks as account_tasks
    from iapt_platform.accounts.models import DataExport
    from iapt_platform.lib.storage import private_storage
    from tests.factories import UserFactory

    names = []
    with time_machine.travel(START, tick=False):
        for user in UserFactory.create_batch(12):
            export = DataExport(user=user, status=DataExport.Status.READY)
            export.expires_at = timezone.now() + datetime.timedelta(hours=24)
            export.file.save("archive.zip", ContentFile(b"PK"), save=True)
            names.append(export.file.name)
    with time_machine.travel(START + datetime.timedelta(hours=25)):
        results = _twice_at_once(account_tasks.sweep_data_exports)
    assert sum(results) == 12
    assert DataExport.objects.filter(status=DataExport.Status.EXPIRED).count() == 12
    assert not any(private_storage().exists(name) for name in names)
