"""Opportunities reach those who follow their country or sector (issue 19): once, in the
notifications, the header's count and the next digest; the closing reminder once more; nothing
after an unfollow."""

import datetime as dt

import pytest
from django.utils import timezone

from community import digests
from community import selectors as community_selectors
from community.following import services
from community.following.models import NewsNotification
from iapt_platform.lib.news import Subject
from initiatives.opportunities import services as opportunity_services
from initiatives.opportunities.models import Opportunity
from tests.factories import SectorFactory
from tests.opportunities.factories import OpportunityFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def agrifood(db):
    return SectorFactory(slug="agrifood", name_en="Agrifood", name_es="Agroalimentos")


def draft_opportunity(agrifood, **kwargs):
    return OpportunityFactory(
        status=Opportunity.Status.DRAFT,
        published_at=None,
        countries=["EC"],
        sectors=[agrifood],
        **kwargs,
    )


def kinds_told(user):
    return sorted(NewsNotification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_an_opportunity_in_ecuador_and_agrifood_reaches_the_follower_once(
    member, moderator, agrifood, django_capture_on_commit_callbacks
):
    services.follow_add(user=member, subject=Subject("country", "EC"))
    services.follow_add(user=member, subject=Subject("sector", "agrifood"))
    assert community_selectors.unread_count(user=member) == 0  # now kept in the cache
    opportunity = draft_opportunity(agrifood)

    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.opportunity_publish(opportunity=opportunity, by=moderator)

    assert kinds_told(member) == ["opportunity"]  # both subjects match: one notification
    assert community_selectors.unread_count(user=member) == 1
    start = timezone.now() - dt.timedelta(hours=1)
    content = digests.digest_content(
        user=member, start=start, end=timezone.now() + dt.timedelta(hours=1)
    )
    assert [item.obj for item in content.news] == [opportunity]

    # Seven days before it closes, the reminder; the daily run again tells nobody twice.
    soon = opportunity.closes_at - dt.timedelta(days=6)
    for _run in range(2):
        with django_capture_on_commit_callbacks(execute=True):
            opportunity_services.announce_closing_due(now=soon)
    assert kinds_told(member) == ["opportunity", "opportunity_closing"]

    community_selectors_read = services.news_mark_read(user=member)
    assert community_selectors_read == 2
    assert community_selectors.unread_count(user=member) == 0


def test_after_an_unfollow_a_new_opportunity_does_not_reach_them(
    member, moderator, agrifood, django_capture_on_commit_callbacks
):
    services.follow_add(user=member, subject=Subject("country", "EC"))
    services.follow_remove(user=member, subject=Subject("country", "EC"))

    with django_capture_on_commit_callbacks(execute=True):
        opportunity_services.opportunity_publish(
            opportunity=draft_opportunity(agrifood), by=moderator
        )

    assert kinds_told(member) == []
