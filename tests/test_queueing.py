"""A broker outage after a commit: the write stays saved, no error reaches the page, and an email
goes out from the request's own process instead of being lost."""

import pytest
from django.core import mail
from kombu.exceptions import OperationalError

from community import tasks as community_tasks
from iapt_platform.lib import emails
from iapt_platform.lib import tasks as email_tasks

pytestmark = pytest.mark.django_db


@pytest.fixture
def broker_down(monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    for task in (email_tasks.send_email, community_tasks.email_notifications):
        monkeypatch.setattr(task, "delay", refuse)


def test_an_email_is_sent_from_here_when_the_broker_is_away(
    member, broker_down, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emails.send(template="welcome", to=member)

    assert [m.to for m in mail.outbox] == [[member.email]]
