"""How long each submission has waited, the queue's order, and the daily reminder to moderators."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from iapt_platform.moderation import services, tasks
from iapt_platform.moderation.models import ModerationItem, QueueReminder
from iapt_platform.outbox.models import OutgoingEmail

pytestmark = pytest.mark.django_db

QUEUE = reverse("moderation:queue")
MONDAY_NOON_UTC = datetime.datetime(2026, 11, 30, 12, 0, tzinfo=datetime.UTC)


def _titles(html: str, *titles: str) -> list[str]:
    return sorted(titles, key=html.index)


def test_the_queue_shows_how_long_each_submission_has_waited(moderator_client, submit):
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=3, hours=2), tick=False):
        submit("Avocado cluster")
    with time_machine.travel(MONDAY_NOON_UTC, tick=False):
        html = moderator_client.get(QUEUE).text
    assert '<th scope="col">Waiting</th>' in html
    assert "3\xa0days, 2\xa0hours" in html
    # Past the promised answer time: said in words, not only in red.
    assert "(longer than we promise to answer)" in html


def test_a_resubmission_waits_from_the_moment_it_came_back(moderator_client, submit, promoter):
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=10), tick=False):
        returned = submit("Returned cluster")
        returned.status = ModerationItem.Status.CHANGES_REQUESTED
        returned.save()
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=5), tick=False):
        submit("Waiting cluster")
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(hours=1), tick=False):
        services.moderation_submit(
            obj=returned.content_object, kind="test_profile", submitted_by=promoter
        )
    with time_machine.travel(MONDAY_NOON_UTC, tick=False):
        html = moderator_client.get(QUEUE).text
        newest = moderator_client.get(QUEUE, {"sort": "newest"}).text
    # Oldest wait first by default: the resubmitted one has waited an hour, not ten days.
    assert _titles(html, "Returned cluster", "Waiting cluster") == [
        "Waiting cluster",
        "Returned cluster",
    ]
    assert "1\xa0hour" in html
    assert _titles(newest, "Returned cluster", "Waiting cluster") == [
        "Returned cluster",
        "Waiting cluster",
    ]
    assert '<option value="newest" selected>' in newest


def _reminders():
    return OutgoingEmail.objects.filter(template="moderation_queue_reminder")


def test_no_reminder_when_nothing_waits(moderator_with_totp, submit):
    item = submit("Avocado cluster")
    item.status = ModerationItem.Status.CHANGES_REQUESTED  # waits for its submitter, not for us
    item.save()
    with time_machine.travel(MONDAY_NOON_UTC, tick=False):
        assert tasks.remind_moderators() == 0
    assert not _reminders().exists()


def test_each_moderator_gets_one_reminder_a_day_in_their_language_and_morning(
    moderator_with_totp, member, submit, django_capture_on_commit_callbacks
):
    moderator_with_totp.language = "en"
    moderator_with_totp.time_zone = "America/Mexico_City"  # UTC-6: 06:00 at noon UTC
    moderator_with_totp.save()
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=2, hours=3), tick=False):
        submit("Avocado cluster")
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(hours=5), tick=False):
        submit("Cusco tourism network")

    with time_machine.travel(MONDAY_NOON_UTC, tick=False):
        assert tasks.remind_moderators() == 0  # too early in Mexico City
    with time_machine.travel(MONDAY_NOON_UTC + datetime.timedelta(hours=3), tick=False):
        with django_capture_on_commit_callbacks(execute=True):
            assert tasks.remind_moderators() == 1
        assert tasks.remind_moderators() == 0  # the same local day: claimed already
    with time_machine.travel(MONDAY_NOON_UTC + datetime.timedelta(days=1, hours=3), tick=False):
        assert tasks.remind_moderators() == 1

    assert QueueReminder.objects.filter(moderator=moderator_with_totp).count() == 2
    assert _reminders().count() == 2
    assert [row.recipients for row in _reminders()] == [[moderator_with_totp.email]] * 2
    message = mail.outbox[0]
    assert message.subject == "2 submissions wait in the moderation queue"
    assert "Test profile: 2" in message.body
    assert "The oldest, “Avocado cluster”, has waited 2\xa0days, 6\xa0hours." in message.body
    assert "/moderation/" in message.body
    assert "<" not in message.body
    html = message.alternatives[0][0]
    assert "Avocado cluster" in html and 'href="http' in html


def test_the_reminder_is_in_spanish_for_a_spanish_moderator(
    moderator_with_totp, submit, django_capture_on_commit_callbacks
):
    moderator_with_totp.language = "es"
    moderator_with_totp.time_zone = "UTC"
    moderator_with_totp.save()
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=1), tick=False):
        submit("Avocado cluster")
    with (
        time_machine.travel(MONDAY_NOON_UTC, tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.remind_moderators() == 1
    assert mail.outbox[0].subject == "1 envío espera en la cola de moderación"


def test_the_reminder_claim_is_per_moderator_and_local_day(moderator_with_totp):
    QueueReminder.objects.create(moderator=moderator_with_totp, day=datetime.date(2026, 11, 30))
    with pytest.raises(IntegrityError), transaction.atomic():
        QueueReminder.objects.create(
            moderator=moderator_with_totp, day=datetime.date(2026, 11, 30), sent_at=timezone.now()
        )


def test_each_reader_gets_the_kinds_in_their_own_language(
    moderator_with_totp, promoter, django_capture_on_commit_callbacks
):
    from django.utils import translation

    from tests.factories import InitiativeFactory

    moderator_with_totp.language = "en"
    moderator_with_totp.time_zone = "UTC"
    moderator_with_totp.save()
    with time_machine.travel(MONDAY_NOON_UTC - datetime.timedelta(days=1), tick=False):
        services.moderation_submit(
            obj=InitiativeFactory(), kind="initiative", submitted_by=promoter
        )
    with (
        time_machine.travel(MONDAY_NOON_UTC, tick=False),
        translation.override("es"),  # the worker's language is nobody's
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert tasks.remind_moderators() == 1
    assert "New initiative: 1" in mail.outbox[0].body
