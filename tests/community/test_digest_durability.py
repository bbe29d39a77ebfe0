"""A digest is recorded as sent only together with its email: a worker that dies or a mail server
that refuses leaves nothing recorded, and the next hourly run sends it (bench/faults.py kills a
real worker; these tests pin the mechanism)."""

import datetime as dt
import smtplib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend

from community import tasks
from community.models import Digest, Watch
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db
BOGOTA = ZoneInfo("America/Bogota")


class FlakyServer(EmailBackend):
    """locmem, except while `down`: then the connection drops before the message is accepted."""

    down = False

    def send_messages(self, messages):
        if type(self).down:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return super().send_messages(messages)


@pytest.fixture
def flaky_server(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyServer"
    FlakyServer.down = False
    yield FlakyServer
    FlakyServer.down = False


@pytest.fixture
def diana_with_news(alice, established):
    """A daily reader who watches a thread that got a post on 1 March (Bogotá)."""
    diana = UserFactory(email="diana@example.org", language="en", time_zone="America/Bogota")
    factories.profile(diana, handle="diana", email_frequency="daily")
    with time_machine.travel(dt.datetime(2026, 3, 1, 9, tzinfo=BOGOTA), tick=False):
        thread = factories.thread(alice, title="Financiamiento de clústeres")
        Watch.objects.create(user=diana, thread=thread)
    return diana


def digests_to(user) -> list:
    return [m for m in mail.outbox if m.to == [user.email]]


def test_the_email_leaves_with_the_record_not_after_the_commit(
    diana_with_news, flaky_server, django_capture_on_commit_callbacks
):
    # Callbacks captured and never run: what was only queued after commit would not be sent.
    with (
        time_machine.travel(dt.datetime(2026, 3, 2, 7, tzinfo=BOGOTA), tick=False),
        django_capture_on_commit_callbacks(execute=False),
    ):
        tasks.send_due_digests.delay()
    assert len(digests_to(diana_with_news)) == 1
    assert Digest.objects.get(user=diana_with_news).sent is True


def test_a_mail_server_that_drops_the_connection_leaves_no_record_and_the_next_run_sends_it(
    diana_with_news, flaky_server, django_capture_on_commit_callbacks
):
    with time_machine.travel(dt.datetime(2026, 3, 2, 7, 10, tzinfo=BOGOTA), tick=False) as clock:
        flaky_server.down = True
        with (
            django_capture_on_commit_callbacks(execute=True),
            pytest.raises(smtplib.SMTPServerDisconnected),
        ):
            tasks.send_due_digests.delay()
        assert digests_to(diana_with_news) == []
        assert not Digest.objects.filter(user=diana_with_news).exists()

        flaky_server.down = False
        clock.move_to(dt.datetime(2026, 3, 2, 8, 10, tzinfo=BOGOTA))  # the next hourly run
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_digests.delay()
        assert len(digests_to(diana_with_news)) == 1
        digest = Digest.objects.get(user=diana_with_news)
        assert (digest.sent, digest.item_count) == (True, 1)

        clock.move_to(dt.datetime(2026, 3, 2, 9, 10, tzinfo=BOGOTA))  # and nothing twice
        with django_capture_on_commit_callbacks(execute=True):
            tasks.send_due_digests.delay()
    assert len(digests_to(diana_with_news)) == 1


def test_a_notification_email_the_server_refused_stays_unsent_for_the_retry(
    alice, bruno, established, flaky_server
):
    from community import notifications, services
    from community.models import Notification

    thread = factories.thread(alice)
    flaky_server.down = True
    # The post is saved whatever the mail server does; the email task fails and will retry.
    post = services.post_reply(user=alice, thread=thread, body="Hola @bruno")
    with pytest.raises(smtplib.SMTPServerDisconnected):
        notifications.email_notifications(post_id=post.pk)
    assert Notification.objects.get(recipient=bruno).emailed_at is None
    assert not mail.outbox

    flaky_server.down = False
    assert notifications.email_notifications(post_id=post.pk) == 1  # the retry
    assert notifications.email_notifications(post_id=post.pk) == 0  # and never twice
    assert [m.to for m in mail.outbox] == [[bruno.email]]
    assert Notification.objects.get(recipient=bruno).emailed_at is not None


def test_a_reply_posted_while_the_broker_restarts_is_saved_and_its_email_goes_out(
    alice, bruno, established, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    from community import services
    from iapt_platform.lib import tasks as email_tasks

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (email_tasks.send_email, tasks.email_notifications):
        monkeypatch.setattr(task, "delay", refuse)
    thread = factories.thread(alice)

    with django_capture_on_commit_callbacks(execute=True):
        post = services.post_reply(user=bruno, thread=thread, body="Hola @alicia")

    assert post.pk and post.status == "published"
    assert [m.to for m in mail.outbox] == [[alice.email]]


def test_notification_emails_whose_task_was_lost_go_out_with_the_next_sweep(
    alice, bruno, carla, established
):
    import time_machine as tm

    from community import notifications, services
    from community.models import Notification

    thread = factories.thread(alice)
    factories.profile(carla, email_frequency="daily")  # her notifications wait for the digest
    with tm.travel(dt.datetime(2026, 3, 1, 9, tzinfo=BOGOTA), tick=False):
        # Saved, but its email task never ran (lost with the broker).
        services.post_reply(user=bruno, thread=thread, body="Hola @alicia y @carla")
    with tm.travel(dt.datetime(2026, 3, 1, 9, 5, tzinfo=BOGOTA), tick=False):
        assert notifications.notifications_email_stragglers() == 0  # too recent: its task may run
    with tm.travel(dt.datetime(2026, 3, 1, 9, 15, tzinfo=BOGOTA), tick=False):
        assert notifications.notifications_email_stragglers() == 1

    assert [m.to for m in mail.outbox] == [[alice.email]]
    assert Notification.objects.get(recipient=alice).emailed_at is not None
    assert Notification.objects.get(recipient=carla).emailed_at is None
    with tm.travel(dt.datetime(2026, 3, 1, 9, 25, tzinfo=BOGOTA), tick=False):
        assert notifications.notifications_email_stragglers() == 0  # nothing twice
