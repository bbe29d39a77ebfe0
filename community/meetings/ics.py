"""iCalendar (RFC 5545/5546) for meetings: invitations attached to emails, and members' feeds.

An invitation carries METHOD:REQUEST (or CANCEL), the meeting's stable UID and its SEQUENCE, so that
a calendar program updates or removes the same event when a notice about it arrives.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC
from email.utils import parseaddr
from typing import Any
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone, translation
from icalendar import Calendar, Event, vCalAddress, vText

from .models import Meeting

PRODID = "-//CEPAL//IAPT Platform meetings//EN"
REQUEST = "REQUEST"
CANCEL = "CANCEL"


def meeting_uid(meeting: Meeting) -> str:
    """Stable for the meeting's life: every notice about it updates the same calendar event."""
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"meeting-{meeting.pk}@{host}"


def content_type(method: str) -> str:
    return f"text/calendar; method={method}"


def invitation(
    meeting: Meeting,
    *,
    method: str,
    attendee_email: str,
    attendee_name: str,
    language: str,
    include_link: bool,
) -> str:
    """One attendee's copy of the event, with titles in their language."""
    with translation.override(language):
        calendar = _calendar(method=method)
        event = _event(meeting, include_link=include_link, cancelled=method == CANCEL)
        attendee = vCalAddress(f"mailto:{attendee_email}")
        attendee.params["cn"] = vText(attendee_name or attendee_email)
        attendee.params["role"] = vText("REQ-PARTICIPANT")
        attendee.params["partstat"] = vText("ACCEPTED")
        attendee.params["rsvp"] = vText("FALSE")
        event.add("attendee", attendee, encode=False)
        calendar.add_component(event)
        return calendar.to_ical().decode()


def feed(meetings: Iterable[Meeting], *, language: str, name: Any) -> str:
    """A subscription feed (no METHOD): the meetings a member registered for."""
    with translation.override(language):
        calendar = _calendar(method=None)
        calendar.add("x-wr-calname", str(name))
        for meeting in meetings:
            calendar.add_component(
                _event(
                    meeting,
                    include_link=True,
                    cancelled=meeting.status == Meeting.Status.CANCELLED,
                )
            )
        return calendar.to_ical().decode()


def _calendar(*, method: str | None) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    if method:
        calendar.add("method", method)
    return calendar


def _event(meeting: Meeting, *, include_link: bool, cancelled: bool) -> Event:
    url = settings.SITE_URL + meeting.get_absolute_url()
    event = Event()
    event.add("uid", meeting_uid(meeting))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    event.add("dtstart", meeting.starts_at.astimezone(UTC))
    event.add("dtend", meeting.ends_at.astimezone(UTC))
    event.add("sequence", meeting.sequence)
    event.add("summary", meeting.title)
    description = [meeting.description.strip(), url]
    if include_link and meeting.online_link:
        description.insert(1, meeting.online_link)
    event.add("description", "\n\n".join(part for part in description if part))
    location = [meeting.place] if meeting.place else []
    if include_link and meeting.online_link:
        location.append(meeting.online_link)
    if location:
        event.add("location", " · ".join(location))
    event.add("url", url)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = vCalAddress(f"mailto:{address or 'noreply@localhost'}")
    organizer.params["cn"] = vText(name or "IAPT Platform")
    event.add("organizer", organizer, encode=False)
    return event
