"""Demo: the demo members follow a country, a sector and a topic, and hear of the stories,
resources and threads published there (the promoter hears of their own initiatives)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType

from iapt_platform.lib import news
from iapt_platform.lib.news import Announcement, Subject

from . import services
from .models import Follow

FOLLOWS = {
    "member@demo.iapt.local": [Subject("country", "EC"), Subject("sector", "agrifood")],
    "member.en@demo.iapt.local": [Subject("country", "JM"), Subject("sector", "tourism")],
    "promoter@demo.iapt.local": [Subject("sector", "software")],
}


def seed(write) -> None:
    from initiatives.stories.announcements import subjects_of as story_subjects
    from initiatives.stories.models import Story
    from library.announcements import subjects_of as resource_subjects
    from library.models import Resource

    users = get_user_model().objects.filter(email__in=list(FOLLOWS))
    made = 0
    for user in users:
        for subject in FOLLOWS[user.email]:
            if not Follow.objects.filter(user=user, kind=subject.kind, key=subject.key).exists():
                try:
                    services.follow_add(user=user, subject=subject)
                    made += 1
                except services.FollowError:
                    continue
    # What was published is told now (the seeders run with no worker and no listener).
    told = 0
    for kind, objects, subjects_of in (
        ("story", Story.objects.public().order_by("-published_at")[:8], story_subjects),
        ("resource", Resource.objects.published().order_by("-published_at")[:8], resource_subjects),
    ):
        for obj in objects:
            announcement = Announcement(
                kind=kind,
                content_type_id=ContentType.objects.get_for_model(obj).pk,
                object_id=obj.pk,
                subjects=tuple(subjects_of(obj)),
            )
            if kind in news.kinds():
                told += services.news_deliver(announcement=announcement)
    write(f"following: {made} follows, {told} notifications")
