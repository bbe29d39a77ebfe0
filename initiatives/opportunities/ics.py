"""The deadlines of opportunities as iCalendar (RFC 5545): one event at each closing moment, in UTC,
with a stable UID, so that a subscribed calendar updates the same event when a date moves."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, timedelta
from urllib.parse import urlparse

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from icalendar import Alarm, Calendar, Event

from .models import Opportunity

PRODID = "-//CEPAL//IAPT Platform opportunities//EN"


def deadline_uid(opportunity: Opportunity) -> str:
    host = urlparse(settings.SITE_URL).hostname or "localhost"
    return f"opportunity-{opportunity.pk}-deadline@{host}"


def deadlines(opportunities: Iterable[Opportunity], *, language: str) -> bytes:
    with translation.override(language):
        calendar = Calendar()
        calendar.add("prodid", PRODID)
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("Opportunity deadlines · IAPT Platform"))
        for opportunity in opportunities:
            calendar.add_component(_event(opportunity, language=language))
        return calendar.to_ical()


def _event(opportunity: Opportunity, *, language: str) -> Event:
    title, description, _shown = opportunity.reading(language)
    url = settings.SITE_URL + opportunity.get_absolute_url()
    event = Event()
    event.add("uid", deadline_uid(opportunity))
    event.add("dtstamp", timezone.now().astimezone(UTC))
    # A deadline is a moment: no DTEND (RFC 5545 3.6.1: the event then takes no time).
    event.add("dtstart", opportunity.closes_at.astimezone(UTC))
    event.add("summary", _("Deadline: %(title)s") % {"title": title})
    event.add(
        "description",
        "\n\n".join(
            part
            for part in (opportunity.organiser, description.strip(), opportunity.link, url)
            if part
        ),
    )
    event.add("url", url)
    event.add("categories", [str(opportunity.get_kind_display())])
    event.add("last-modified", opportunity.updated_at.astimezone(UTC))
    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", event["summary"])
    alarm.add("trigger", -timedelta(days=2))
    event.add_component(alarm)
    return event
