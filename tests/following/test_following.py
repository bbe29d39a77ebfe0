"""Following: members follow subjects; what is new there reaches their notifications and digest
once, never what they may not see, never their own act; promoters hear of their initiatives."""

import datetime as dt

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import digests
from community.following import selectors, services
from community.following.models import Follow, NewsNotification
from community.models import Notification
from iapt_platform.lib import news
from iapt_platform.lib.news import Subject
from initiatives import services as initiative_services
from initiatives.models import Initiative
from initiatives.stories import services as story_services
from initiatives.stories.models import Story
from tests.community import factories as forum
from tests.factories import InitiativeFactory, SectorFactory, UserFactory
from tests.stories.factories import StoryFactory

pytestmark = pytest.mark.django_db

EC = Subject("country", "EC")
AGRIFOOD = Subject("sector", "agrifood")


@pytest.fixture
def agrifood(db):
    return SectorFactory(slug="agrifood", name_en="Agrifood", name_es="Agroalimentos")


@pytest.fixture
def follower(member, agrifood):
    """A member who follows Ecuador and the agrifood sector, and reads a daily digest."""
    forum.profile(member, handle="marta", email_frequency="daily")
    services.follow_add(user=member, subject=EC)
    services.follow_add(user=member, subject=AGRIFOOD)
    return member


def draft_story(agrifood, **kwargs):
    story = StoryFactory(status=Story.Status.DRAFT, published_at=None, countries=["EC"], **kwargs)
    story.sectors.set([agrifood])
    return story


def publish(story, moderator, capture):
    with capture(execute=True):
        story_services.story_publish(story=story, by=moderator)


def told(user):
    return list(NewsNotification.objects.filter(recipient=user))


# --- Following -----------------------------------------------------------------------------------


def test_a_member_follows_and_unfollows_a_country_from_its_page(member_client, member):
    page = reverse("initiatives:country", args=["EC"])
    assert 'data-following="false"' in member_client.get(page).content.decode()

    response = member_client.post(
        reverse("following:follow"), {"kind": "country", "key": "EC", "next": page}
    )
    assert response.status_code == 302 and response["Location"] == page
    assert Follow.objects.filter(user=member, kind="country", key="EC", muted=False).count() == 1
    assert 'data-following="true"' in member_client.get(page).content.decode()
    # Following twice keeps one row.
    member_client.post(reverse("following:follow"), {"kind": "country", "key": "EC"})
    assert Follow.objects.filter(user=member).count() == 1

    response = member_client.post(
        reverse("following:unfollow"),
        {"kind": "country", "key": "EC", "next": page},
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    assert 'data-following="false"' in response.content.decode()
    assert not Follow.objects.filter(user=member).exists()


def test_nonsense_subjects_and_visitors_cannot_follow(member_client, client, agrifood):
    assert (
        member_client.post(reverse("following:follow"), {"kind": "shoe", "key": "x"}).status_code
        == 400
    )
    assert (
        member_client.post(
            reverse("following:follow"), {"kind": "sector", "key": "nope"}
        ).status_code
        == 404
    )
    client.logout()
    response = client.post(reverse("following:follow"), {"kind": "sector", "key": "agrifood"})
    assert response.status_code == 302 and "login" in response["Location"]
    assert not Follow.objects.exists()


def test_an_offsite_next_address_is_not_followed(member_client, agrifood):
    response = member_client.post(
        reverse("following:follow"),
        {"kind": "sector", "key": "agrifood", "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("following:list")


# --- Hearing of a story --------------------------------------------------------------------------


def test_a_story_in_both_followed_subjects_reaches_the_member_once(
    follower, moderator, agrifood, django_capture_on_commit_callbacks, client
):
    story = draft_story(agrifood)
    publish(story, moderator, django_capture_on_commit_callbacks)

    (notification,) = told(follower)
    assert notification.kind == "story" and notification.object_id == story.pk
    assert notification.actor == moderator

    # Announced again (a second run, a second subject): still once.
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(kind="story", obj=story, subjects=[EC, AGRIFOOD, EC])
    assert len(told(follower)) == 1

    client.force_login(follower)
    page = client.get(reverse("community:notifications")).content.decode()
    assert page.count(str(story)) == 1
    assert "A success story" in page
    assert client.get(reverse("community:index")).context["UNREAD_NOTIFICATIONS"] == 1
    opened = client.get(reverse("following:notification_open", args=[notification.pk]))
    assert opened["Location"] == story.get_absolute_url()
    notification.refresh_from_db()
    assert notification.read_at is not None
    NewsNotification.objects.update(read_at=None)
    client.post(reverse("community:notifications_read_all"))
    assert not NewsNotification.objects.filter(read_at=None).exists()


def test_a_thread_gone_private_is_no_longer_listed(member, moderator, client):
    from django.contrib.contenttypes.models import ContentType

    from community.models import Thread

    thread = forum.thread(moderator, title="Abierto y luego cerrado")
    NewsNotification.objects.create(
        recipient=member,
        kind="thread",
        content_type=ContentType.objects.get_for_model(Thread),
        object_id=thread.pk,
    )
    client.force_login(member)
    assert (
        "Abierto y luego cerrado" in client.get(reverse("community:notifications")).content.decode()
    )
    thread.category.is_private = True
    thread.category.save()
    assert (
        "Abierto y luego cerrado"
        not in client.get(reverse("community:notifications")).content.decode()
    )


def test_the_next_digest_lists_the_story_once(
    follower, moderator, agrifood, django_capture_on_commit_callbacks
):
    story = draft_story(agrifood)
    publish(story, moderator, django_capture_on_commit_callbacks)
    start = timezone.now() - dt.timedelta(hours=1)
    end = timezone.now() + dt.timedelta(hours=1)

    content = digests.digest_content(user=follower, start=start, end=end)
    assert [item.obj for item in content.news] == [story]
    assert content.item_count == 1

    sent = digests.digest_send(
        user_id=follower.pk, kind="daily", period_start=start, period_end=end
    )
    assert sent is not None and sent.sent
    (message,) = mail.outbox
    assert message.body.count(story.get_absolute_url()) == 1
    assert "In what you follow" in message.body
    html = message.alternatives[0][0]
    assert html.count(f'{story.get_absolute_url()}"') == 1


def test_nothing_they_cannot_see_reaches_them(
    follower, moderator, agrifood, django_capture_on_commit_callbacks, client
):
    draft = draft_story(agrifood)
    scheduled = draft_story(agrifood)
    private = forum.category("working-group", is_private=True)
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(kind="story", obj=draft, subjects=[EC])
        story_services.story_publish(
            story=scheduled, by=moderator, at=timezone.now() + dt.timedelta(days=3)
        )
        thread = forum.thread(moderator, title="Secreto", cat=private)
        news.announce(kind="thread", obj=thread, subjects=[EC], recipients=[follower.pk])
    assert told(follower) == []

    # What was told and is no longer public is no longer listed.
    story = draft_story(agrifood)
    publish(story, moderator, django_capture_on_commit_callbacks)
    assert len(told(follower)) == 1
    story_services.story_unpublish(story=story, by=moderator)
    client.force_login(follower)
    assert str(story) not in client.get(reverse("community:notifications")).content.decode()


def test_a_scheduled_story_is_news_when_its_date_comes(
    follower, moderator, agrifood, django_capture_on_commit_callbacks, time_machine
):
    from initiatives.stories import tasks

    story = draft_story(agrifood)
    at = timezone.now() + dt.timedelta(days=2)
    story_services.story_publish(story=story, by=moderator, at=at)
    time_machine.move_to(at + dt.timedelta(minutes=5))
    with django_capture_on_commit_callbacks(execute=True):
        assert tasks.announce_due_stories() == 1
    assert [n.object_id for n in told(follower)] == [story.pk]


def test_an_unfollow_stops_them(follower, moderator, agrifood, django_capture_on_commit_callbacks):
    services.follow_remove(user=follower, subject=EC)
    services.follow_remove(user=follower, subject=AGRIFOOD)
    publish(draft_story(agrifood), moderator, django_capture_on_commit_callbacks)
    assert told(follower) == []


def test_the_actor_is_not_told_of_their_own_act(
    follower, moderator, agrifood, django_capture_on_commit_callbacks
):
    services.follow_add(user=moderator, subject=EC)
    publish(draft_story(agrifood), moderator, django_capture_on_commit_callbacks)
    assert told(moderator) == []
    assert len(told(follower)) == 1


def test_an_immediate_reader_gets_one_email(
    member, moderator, agrifood, django_capture_on_commit_callbacks
):
    forum.profile(member, handle="marta", email_frequency="immediately")
    services.follow_add(user=member, subject=EC)
    services.follow_add(user=member, subject=AGRIFOOD)
    story = draft_story(agrifood)
    publish(story, moderator, django_capture_on_commit_callbacks)
    with django_capture_on_commit_callbacks(execute=True):
        news.announce(kind="story", obj=story, subjects=[EC])
    mine = [m for m in mail.outbox if m.to == [member.email]]
    assert len(mine) == 1
    assert story.get_absolute_url() in mine[0].body
    assert mine[0].extra_headers.get("List-Unsubscribe") or mine[0].extra_headers


# --- Promoters and their initiatives -------------------------------------------------------------


def test_promoters_hear_of_their_own_initiative_by_default_and_can_mute_it(
    promoter, other_promoter, moderator, agrifood, django_capture_on_commit_callbacks, client
):
    initiative = InitiativeFactory(sectors=[agrifood])
    initiative.managers.add(promoter, other_promoter)
    story = draft_story(agrifood, initiatives=[initiative])
    publish(story, moderator, django_capture_on_commit_callbacks)
    assert len(told(promoter)) == 1 and len(told(other_promoter)) == 1

    client.force_login(promoter)
    page = client.get(reverse("following:list")).content.decode()
    assert initiative.name in page and "followed by default" in page
    client.post(reverse("following:unfollow"), {"kind": "initiative", "key": initiative.pk})
    assert Follow.objects.get(user=promoter).muted
    assert not selectors.is_following(user=promoter, subject=Subject("initiative", initiative.pk))
    page = client.get(reverse("following:list")).content.decode()
    assert "chose not to hear of it" in page and 'data-following="false"' in page

    publish(
        draft_story(agrifood, initiatives=[initiative]),
        moderator,
        django_capture_on_commit_callbacks,
    )
    assert len(told(promoter)) == 1
    assert len(told(other_promoter)) == 2
    # Following again lifts the opt-out.
    client.post(reverse("following:follow"), {"kind": "initiative", "key": initiative.pk})
    assert not Follow.objects.get(user=promoter).muted


def test_an_approved_edit_is_an_initiative_update_each_time(
    promoter, other_promoter, member, moderator, agrifood, django_capture_on_commit_callbacks
):
    initiative = InitiativeFactory(sectors=[agrifood])
    initiative.managers.add(promoter, other_promoter)
    services.follow_add(user=member, subject=Subject("initiative", initiative.pk))
    for text in ("First change", "Second change"):
        revision = initiative_services.initiative_start_edit(initiative=initiative, user=promoter)
        revision.description = text
        revision.status = Initiative.Status.IN_REVIEW
        revision.save()
        with django_capture_on_commit_callbacks(execute=True):
            initiative_services.approve(revision, moderator=moderator, comment="")
    assert [n.kind for n in told(member)] == ["initiative_update", "initiative_update"]
    assert len(told(other_promoter)) == 2
    assert told(promoter) == []  # their own edits


def test_a_new_public_thread_reaches_followers_of_its_author(
    member, moderator, django_capture_on_commit_callbacks
):
    from community import services as forum_services

    forum.profile(moderator, handle="monica")
    services.follow_add(user=member, subject=Subject("member", moderator.pk))
    with django_capture_on_commit_callbacks(execute=True):
        thread = forum_services.thread_start(
            user=moderator,
            category=forum.category(),
            title="¿Cómo financian su gerencia?",
            body="Cuéntenme.",
        )
    assert [(n.kind, n.object_id) for n in told(member)] == [("thread", thread.pk)]
    assert told(moderator) == []


# --- Pages: query counts, personal data ----------------------------------------------------------


def _count_queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_following_page_and_notifications_take_the_same_queries_for_more_rows(
    follower, moderator, agrifood, client, django_capture_on_commit_callbacks
):
    client.force_login(follower)

    def more(n):
        for _ in range(n):
            services.follow_add(user=follower, subject=Subject("sector", SectorFactory().slug))
            services.follow_add(
                user=follower, subject=Subject("initiative", InitiativeFactory().pk)
            )
            publish(draft_story(agrifood), moderator, django_capture_on_commit_callbacks)
            thread = forum.thread(moderator)
            reply = forum.post(thread, moderator)
            Notification.objects.create(
                recipient=follower, kind="reply", post=reply, actor=moderator
            )
            with django_capture_on_commit_callbacks(execute=True):
                news.announce(kind="thread", obj=thread, recipients=[follower.pk])

    more(2)
    following, notifications = (
        _count_queries(client, reverse("following:list")),
        _count_queries(client, reverse("community:notifications")),
    )
    more(5)
    assert _count_queries(client, reverse("following:list")) == following
    assert _count_queries(client, reverse("community:notifications")) == notifications
    assert NewsNotification.objects.filter(recipient=follower).count() == 14
    page = client.get(reverse("community:notifications")).content.decode()
    assert page.count("A new forum thread") == 7 and page.count("A success story") == 7
    assert page.count("replied in") == 7  # the forum's own notifications, in the same list


def test_personal_data_has_the_follows_and_closing_removes_them(
    follower, moderator, agrifood, django_capture_on_commit_callbacks
):
    from iapt_platform.accounts.personal_data import Closing

    publish(draft_story(agrifood), moderator, django_capture_on_commit_callbacks)
    other = UserFactory()
    services.follow_add(user=other, subject=Subject("member", follower.pk))
    forum.profile(follower, handle="marta")

    portion = selectors.personal_data_of(follower)
    assert {(f["kind"], f["key"]) for f in portion.data["follows"]} == {
        ("country", "EC"),
        ("sector", "agrifood"),
    }
    assert portion.data["notifications"][0]["kind"] == "story"

    services.member_depart(closing=Closing(user=follower))
    assert not Follow.objects.filter(user=follower).exists()
    assert not Follow.objects.filter(kind="member", key=str(follower.pk)).exists()
    assert not NewsNotification.objects.filter(recipient=follower).exists()
