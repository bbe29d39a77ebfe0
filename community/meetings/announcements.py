"""A published meeting is announced through iapt_platform.lib.news."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from .models import Meeting

MEETING = "meeting"


def visible(user: Any, meeting: Meeting) -> bool:
    return meeting.is_published


def register() -> None:
    news.register_kind(MEETING, label=_("A new meeting"), visible=visible)


def subjects_of(meeting: Meeting) -> list[Subject]:
    """The initiatives it is linked to, their countries and sectors."""
    subjects: list[Subject] = []
    for initiative in meeting.initiatives.prefetch_related("sectors"):
        subjects.append(Subject(news.INITIATIVE, str(initiative.pk)))
        if initiative.country:
            subjects.append(Subject(news.COUNTRY, initiative.country.code))
        subjects += [Subject(news.SECTOR, sector.slug) for sector in initiative.sectors.all()]
    return subjects


def meeting_announce(*, meeting: Meeting, by: Any = None) -> None:
    news.announce(kind=MEETING, obj=meeting, subjects=subjects_of(meeting), actor=by)
