"""What the registry announces through iapt_platform.lib.news: a newly published initiative, and
an initiative's update (an edit its promoters proposed and staff approved)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from .models import Initiative

INITIATIVE = "initiative"
INITIATIVE_UPDATE = "initiative_update"


def visible(user: Any, initiative: Initiative) -> bool:
    return initiative.status == Initiative.Status.PUBLISHED and initiative.revision_of_id is None


def register() -> None:
    news.register_kind(INITIATIVE, label=_("A new initiative"), visible=visible)
    news.register_kind(INITIATIVE_UPDATE, label=_("An initiative's update"), visible=visible)


def subjects_of(initiative: Initiative) -> list[Subject]:
    """The initiative itself, its country, its sectors and its programme."""
    subjects = [Subject(news.INITIATIVE, str(initiative.pk))]
    if initiative.country:
        subjects.append(Subject(news.COUNTRY, initiative.country.code))
    subjects += [
        Subject(news.SECTOR, slug) for slug in initiative.sectors.values_list("slug", flat=True)
    ]
    if initiative.programme_id:
        subjects.append(Subject(news.PROGRAMME, str(initiative.programme_id)))
    return subjects


def initiative_announce(*, initiative: Initiative, revision: Initiative | None = None) -> None:
    """A published initiative (or, with `revision`, its approved edit) is news where it is; the
    promoter whose work it is is not told of it."""
    if revision is None:
        news.announce(
            kind=INITIATIVE,
            obj=initiative,
            subjects=subjects_of(initiative),
            actor=initiative.created_by_id,
        )
    else:
        news.announce(
            kind=INITIATIVE_UPDATE,
            obj=initiative,
            subjects=subjects_of(initiative),
            actor=revision.created_by_id,
            extra={"occurrence": f"revision-{revision.pk}"},
        )
