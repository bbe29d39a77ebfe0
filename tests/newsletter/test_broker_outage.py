"""The broker away while a send starts: the page that pressed "send" answers as usual, nothing runs
in the request, and the stuck-delivery sweeper (beat, every minute) sends everything once its
patience is over. Transactional tests, so that the after-commit queueing runs inside the request,
as in production."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from newsletter import conf, tasks
from newsletter.models import Delivery, Issue
from newsletter.services import delivery

from .factories import SubscriberFactory

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def broker_away(monkeypatch):
    """Publishing any bulletin task fails as it does while Redis restarts; `back()` ends it."""
    refused = []

    def away(*args, **kwargs):
        refused.append(args)
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:
        for task in (tasks.prepare_issue, tasks.send_chunk):
            patch.setattr(task, "delay", away)
        yield type("Broker", (), {"refused": refused, "back": patch.undo})


def _sweep_after_patience():
    later = timezone.now() + timedelta(minutes=conf.stuck_minutes(), seconds=1)
    with time_machine.travel(later):
        return tasks.requeue_stuck_deliveries()


def test_send_pressed_with_the_broker_away_answers_and_the_sweeper_sends_later(
    staff_client, issue_with_block, broker_away
):
    readers = SubscriberFactory.create_batch(3)

    response = staff_client.post(
        reverse("newsletter:staff_send", args=[issue_with_block.pk]), {"confirm": "1"}
    )

    assert response.status_code == 302
    assert response.url == reverse("newsletter:staff_progress", args=[issue_with_block.pk])
    assert staff_client.get(response.url).status_code == 200
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENDING
    # Nothing ran in the request: no rows, no messages; the publish was tried once.
    assert broker_away.refused == [(issue_with_block.pk,)]
    assert not Delivery.objects.exists()
    assert mail.outbox == []

    broker_away.back()
    # Within its patience the sweeper leaves the send alone (the task may still be on its way),
    # and an issue without rows yet is not done: it is still to be sent.
    assert tasks.requeue_stuck_deliveries() == {"reset": 0, "requeued": []}
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENDING
    assert mail.outbox == []

    assert _sweep_after_patience() == {"reset": 0, "requeued": [issue_with_block.pk]}
    assert sorted(m.to[0] for m in mail.outbox) == sorted(r.email for r in readers)
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENT
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3


def test_chunks_not_queued_for_the_broker_are_queued_again_by_the_sweeper(
    issue_with_block, broker_away
):
    SubscriberFactory.create_batch(2)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENDING, send_started_at=timezone.now()
    )

    # The prepare task ran; the broker went away before its chunks were queued.
    assert delivery.issue_prepare(issue_id=issue_with_block.pk) == 2
    assert len(broker_away.refused) == 1
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PENDING}

    broker_away.back()
    assert _sweep_after_patience() == {"reset": 0, "requeued": [issue_with_block.pk]}
    assert len(mail.outbox) == 2
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENT


def test_the_sweeper_does_not_finish_an_issue_whose_rows_are_not_written_yet(issue_with_block):
    """The prepare task is queued behind another send on the "bulk" queue when the beat sweeps:
    the issue has no rows yet, which is not the same as having none left."""
    SubscriberFactory.create_batch(2)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENDING, send_started_at=timezone.now()
    )

    result = delivery.deliveries_requeue_stuck()

    assert (result.finished_issues, result.requeued_issues) == ([], [])
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENDING
    # The prepare task, when its turn comes, sends the issue.
    assert tasks.prepare_issue(issue_with_block.pk) == 2
    assert len(mail.outbox) == 2
