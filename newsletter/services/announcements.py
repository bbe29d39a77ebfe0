"""Meeting announcements to bulletin subscribers (registered with community.meetings.hooks)."""

from django.conf import settings
from django.db import IntegrityError, transaction

from iapt_platform.lib import emails, one_click

from .. import tokens
from ..models import MeetingAnnouncement, Subscriber


def announce_meeting(meeting) -> int:
    """Email every confirmed subscriber once, in their language; returns how many were sent."""
    sent = 0
    for subscriber in Subscriber.objects.confirmed().order_by("pk").iterator(chunk_size=500):
        try:
            with transaction.atomic():
                MeetingAnnouncement.objects.create(subscriber=subscriber, meeting=meeting)
        except IntegrityError:
            continue  # already announced to this person
        token = tokens.unsubscribe_token(subscriber.pk)
        emails.send(
            template="newsletter/meeting_announcement",
            to=subscriber.email,
            language=subscriber.language,
            time_zone="UTC",  # subscribers have no zone: the email says the times are UTC
            context={
                "meeting": meeting,
                "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
                "unsubscribe_url": f"{settings.SITE_URL}/bulletin/unsubscribe/{token}/",
            },
            headers=one_click.headers(
                url=f"{settings.SITE_URL}/bulletin/unsubscribe/{token}/", token=token
            ),
        )
        sent += 1
    return sent
