"""A published collaboration offer or need is announced through iapt_platform.lib.news."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject
from initiatives.models import Initiative

from .models import CollaborationPost

COLLABORATION_POST = "collaboration_post"


def visible(user: Any, post: CollaborationPost) -> bool:
    """What the public sees: live, of a published initiative."""
    initiative = post.initiative
    return (
        post.is_live
        and initiative.status == Initiative.Status.PUBLISHED
        and initiative.revision_of_id is None
    )


def register() -> None:
    news.register_kind(
        COLLABORATION_POST, label=_("A collaboration offer or need"), visible=visible
    )


def subjects_of(post: CollaborationPost) -> list[Subject]:
    """Its initiative (and that initiative's country), its countries, sectors and topics."""
    subjects = [Subject(news.INITIATIVE, str(post.initiative_id))]
    if post.initiative.country:
        subjects.append(Subject(news.COUNTRY, post.initiative.country.code))
    subjects += [Subject(news.COUNTRY, country.code) for country in post.countries]
    subjects += [Subject(news.SECTOR, slug) for slug in post.sectors.values_list("slug", flat=True)]
    subjects += [Subject(news.TOPIC, slug) for slug in post.topics.values_list("slug", flat=True)]
    return subjects


def post_announce(*, post: CollaborationPost) -> None:
    news.announce(
        kind=COLLABORATION_POST, obj=post, subjects=subjects_of(post), actor=post.created_by_id
    )
