"""Each app announces what it publishes with its subjects: the members following those hear of it
(a resource, a meeting, a collaboration post, a new initiative); private things are not news."""

import datetime as dt

import pytest
from django.utils import timezone

from community.following import services
from community.following.models import NewsNotification
from community.meetings import services as meeting_services
from iapt_platform.lib.news import Subject
from initiatives import services as initiative_services
from initiatives.matchmaking import services as matchmaking_services
from initiatives.matchmaking.models import CollaborationPost
from initiatives.matchmaking.models import Topic as MatchmakingTopic
from initiatives.models import Initiative
from library import services as library_services
from library.models import Resource
from library.models import Topic as LibraryTopic
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory

pytestmark = pytest.mark.django_db


def kinds_told(user):
    return sorted(NewsNotification.objects.filter(recipient=user).values_list("kind", flat=True))


def test_a_published_resource_reaches_followers_of_its_topic_once(
    member, promoter, moderator, django_capture_on_commit_callbacks
):
    topic, _created = LibraryTopic.objects.get_or_create(
        slug="financing", defaults={"name": "Financing"}
    )
    services.follow_add(user=member, subject=Subject("topic", "financing"))
    resource = ResourceFactory(
        status=Resource.Status.IN_REVIEW, published_at=None, topics=[topic], contributed_by=promoter
    )
    with django_capture_on_commit_callbacks(execute=True):
        library_services.approve(resource, moderator=moderator, comment="")
    assert kinds_told(member) == ["resource"]
    assert kinds_told(promoter) == []  # the contributor
    # Published again after changes: not news a second time.
    with django_capture_on_commit_callbacks(execute=True):
        library_services.request_changes(resource, moderator=moderator, comment="")
        library_services.approve(resource, moderator=moderator, comment="")
    assert kinds_told(member) == ["resource"]


def test_a_published_meeting_reaches_followers_of_its_initiatives(
    member, django_capture_on_commit_callbacks
):
    agrifood = SectorFactory(slug="agrifood")
    initiative = InitiativeFactory(sectors=[agrifood])
    services.follow_add(user=member, subject=Subject("sector", "agrifood"))
    meeting = MeetingFactory(published_at=None, starts_at=timezone.now() + dt.timedelta(days=10))
    meeting.initiatives.set([initiative])
    with django_capture_on_commit_callbacks(execute=True):
        meeting_services.meeting_publish(meeting=meeting)
    assert kinds_told(member) == ["meeting"]


def test_an_approved_collaboration_post_reaches_followers_of_its_country(
    member, promoter, moderator, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(country="PE")
    initiative.managers.add(promoter)
    MatchmakingTopic.objects.get_or_create(slug="cybersecurity", defaults={"name": "Cyber"})
    services.follow_add(user=member, subject=Subject("country", "PE"))
    post = CollaborationPost.objects.create(
        initiative=initiative,
        direction="offer",
        kind="training",
        title="Ciberseguridad para pymes",
        text="Detalles.",
        expires_at=timezone.now() + dt.timedelta(days=30),
        status=CollaborationPost.Status.IN_REVIEW,
        created_by=promoter,
    )
    with django_capture_on_commit_callbacks(execute=True):
        matchmaking_services.post_approve(post, moderator=moderator, comment="")
    assert kinds_told(member) == ["collaboration_post"]
    assert kinds_told(promoter) == []  # their own post, though they manage the initiative


def test_a_newly_published_initiative_reaches_followers_of_its_country(
    member, promoter, moderator, django_capture_on_commit_callbacks
):
    services.follow_add(user=member, subject=Subject("country", "EC"))
    initiative = InitiativeFactory(
        status=Initiative.Status.IN_REVIEW, published_at=None, created_by=promoter
    )
    initiative.managers.add(promoter)
    with django_capture_on_commit_callbacks(execute=True):
        initiative_services.approve(initiative, moderator=moderator, comment="")
    assert kinds_told(member) == ["initiative"]
    assert kinds_told(promoter) == []


def test_a_thread_in_a_private_working_group_is_not_news(
    member, moderator, django_capture_on_commit_callbacks
):
    from community import services as forum_services

    forum.profile(moderator, handle="monica")
    services.follow_add(user=member, subject=Subject("member", moderator.pk))
    group = forum.category("working-group", is_private=True)
    group.members.add(member)
    with django_capture_on_commit_callbacks(execute=True):
        forum_services.thread_start(user=moderator, category=group, title="Interno", body="Solo.")
    assert kinds_told(member) == []
