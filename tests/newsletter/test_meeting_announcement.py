"""Staff may announce a meeting to bulletin subscribers: once per person, in their language."""

import pytest
from django.core import mail

from community.meetings.hooks import announce_to_subscribers
from newsletter.models import Subscriber
from tests.meetings.factories import MeetingFactory

from .factories import SubscriberFactory

pytestmark = pytest.mark.django_db


def test_confirmed_subscribers_get_the_announcement_once_in_their_language(
    django_capture_on_commit_callbacks,
):
    spanish = SubscriberFactory(language="es")
    portuguese = SubscriberFactory(language="pt-br")
    SubscriberFactory(status=Subscriber.Status.PENDING)
    SubscriberFactory(status=Subscriber.Status.UNSUBSCRIBED)
    meeting = MeetingFactory()
    with django_capture_on_commit_callbacks(execute=True):
        assert announce_to_subscribers(meeting) >= 1
    by_address = {m.to[0]: m for m in mail.outbox}
    assert set(by_address) == {spanish.email, portuguese.email}
    assert by_address[spanish.email].subject.startswith("Nueva reunión")
    assert by_address[portuguese.email].subject.startswith("Nova reunião")
    for message in by_address.values():
        assert message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
        assert "/bulletin/unsubscribe/" in message.extra_headers["List-Unsubscribe"]
        assert meeting.get_absolute_url() in message.body
        assert message.alternatives[0][1] == "text/html"
    with django_capture_on_commit_callbacks(execute=True):
        announce_to_subscribers(meeting)  # a retried task sends nothing more
    assert len(mail.outbox) == 2
