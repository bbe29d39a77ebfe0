"""What search engines read of a meeting: schema.org Event as JSON-LD."""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils.html import strip_tags

from iapt_platform.lib import seo
from iapt_platform.lib.markdown import render_markdown

from .models import Meeting

SCHEMA = "https://schema.org/"
ATTENDANCE = {
    Meeting.Format.ONLINE: "OnlineEventAttendanceMode",
    Meeting.Format.IN_PERSON: "OfflineEventAttendanceMode",
    Meeting.Format.HYBRID: "MixedEventAttendanceMode",
}


def structured_data(*, meeting: Meeting) -> dict[str, Any] | None:
    """The published meeting as an Event; None for a draft (only staff see its page).

    Times carry the organiser's offset (the zone the meeting was planned in). The online link is
    for registered participants only: the virtual location is the meeting's own page.
    """
    if meeting.published_at is None:
        return None
    url = f"{settings.SITE_URL}{meeting.get_absolute_url()}"
    zone = ZoneInfo(meeting.organiser_time_zone)
    locations: list[dict[str, Any]] = []
    if meeting.format != Meeting.Format.IN_PERSON:
        locations.append({"@type": "VirtualLocation", "url": url})
    if meeting.format != Meeting.Format.ONLINE and meeting.place:
        locations.append({"@type": "Place", "name": meeting.place, "address": meeting.place})
    cancelled = meeting.status == Meeting.Status.CANCELLED
    data: dict[str, Any] = {
        "@type": "Event",
        "name": meeting.title,
        "url": url,
        "description": strip_tags(render_markdown(meeting.description)).strip()[:500],
        "startDate": seo.iso_date(meeting.starts_at.astimezone(zone)),
        "endDate": seo.iso_date(meeting.ends_at.astimezone(zone)),
        "eventStatus": SCHEMA + ("EventCancelled" if cancelled else "EventScheduled"),
        "eventAttendanceMode": SCHEMA + ATTENDANCE[Meeting.Format(meeting.format)],
        "organizer": seo.platform_organization(),
        "image": [seo.default_image(seo.current_language())],
    }
    if locations:
        data["location"] = locations[0] if len(locations) == 1 else locations
    return {key: value for key, value in data.items() if value not in ("", None)}
