"""Meetings in the one search (iapt_platform/lib/site_search.py): published ones, found by their
words in any language, shown in the reader's (else Spanish)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import post_save
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing
from iapt_platform.lib.translated import in_language

from . import selectors
from .models import Meeting


def meeting_refresh_search(*, meeting: Meeting) -> None:
    """Its words by weight: A the title, B the speakers and place, C the description and agenda."""
    parts = {
        "A": search.normalise(site_search.translations(meeting, "title")),
        "B": search.normalise(f"{meeting.speakers} {meeting.place}"),
        "C": search.normalise(
            site_search.plain(
                f"{site_search.translations(meeting, 'description')} "
                f"{site_search.translations(meeting, 'agenda')}"
            )
        ),
    }
    Meeting.objects.filter(pk=meeting.pk).update(**search.document_updates(parts))


def _hit(meeting: Meeting, ask: Ask) -> Hit:
    title = in_language(meeting, "title", ask.language)
    description = in_language(meeting, "description", ask.language)
    return Hit(
        kind="meetings",
        title=title.text,
        url=meeting.get_absolute_url(),
        text=site_search.plain(description.text),
        date=meeting.starts_at,
        language=title.language if title.is_fallback else "",
        detail=str(meeting.get_kind_display()),
    )


def find(ask: Ask) -> Found | Listing:
    qs = site_search.matching(Meeting.objects.published(), ask)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "-starts_at", "-pk"),
        broad_order=["-starts_at", "-pk"],
        load=lambda ids: Meeting.objects.filter(pk__in=ids).defer(
            "search_document", "search_vector"
        ),
        to_hit=lambda meeting: _hit(meeting, ask),
    )


def _saved(sender: Any, instance: Meeting, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        meeting_refresh_search(meeting=instance)


def register_kinds() -> None:
    site_search.register(
        "meetings",
        label=_("Meetings"),
        find=find,
        list_url=lambda query: reverse("meetings:calendar"),
        order=50,
        version=selectors.meetings_version,  # the calendar's (timed: meetings that start)
        rebuild=lambda: site_search.each_refreshed(
            Meeting.objects.all(), lambda meeting: meeting_refresh_search(meeting=meeting)
        ),
    )
    # The search document is derived from the meeting like a cache: rewritten on every save.
    post_save.connect(_saved, sender=Meeting, dispatch_uid="meetings-search")
