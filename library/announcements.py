"""The library announces a published resource through iapt_platform.lib.news."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from .models import Resource

RESOURCE = "resource"


def visible(user: Any, resource: Resource) -> bool:
    return resource.is_published


def register() -> None:
    news.register_kind(RESOURCE, label=_("A new resource in the library"), visible=visible)


def subjects_of(resource: Resource) -> list[Subject]:
    """Its topics, the countries it covers, its initiatives, and who contributed it."""
    subjects = [
        *(Subject(news.TOPIC, slug) for slug in resource.topics.values_list("slug", flat=True)),
        *(
            Subject(news.COUNTRY, code)
            for code in resource.country_rows.values_list("country", flat=True)
        ),
        *(
            Subject(news.INITIATIVE, str(pk))
            for pk in resource.initiatives.values_list("pk", flat=True)
        ),
    ]
    if resource.contributed_by_id:
        subjects.append(Subject(news.MEMBER, str(resource.contributed_by_id)))
    return subjects


def resource_announce(*, resource: Resource) -> None:
    news.announce(
        kind=RESOURCE,
        obj=resource,
        subjects=subjects_of(resource),
        actor=resource.contributed_by_id,
    )
