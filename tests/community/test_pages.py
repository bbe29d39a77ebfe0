"""Every community page renders for the people who may see it, with one h1 and English text."""

import pytest
from django.urls import reverse

from community import notifications, services

from . import factories

pytestmark = pytest.mark.django_db


def test_every_page_renders(client, alice, bruno, moderator, established):
    thread = factories.thread(alice, title="Una pregunta", is_question=True)
    reply = factories.post(thread, bruno, "Una respuesta con @alicia")
    services.post_flag(user=alice, post=reply, reason="spam")
    moderator.language = "en"
    moderator.save()
    member_pages = [
        reverse("community:index"),
        reverse("community:search") + "?q=pregunta",
        reverse("community:category", args=["financing"]),
        reverse("community:thread_new", args=["financing"]),
        thread.get_absolute_url(),
        thread.get_absolute_url() + f"?quote={reply.pk}",
        reverse("community:post_edit", args=[thread.posts.first().pk]),
        reverse("community:post_flag", args=[reply.pk]),
        reverse("community:directory"),
        reverse("community:member", args=["bruno"]),
        reverse("community:profile_edit"),
        reverse("community:notifications"),
        reverse("community:email_frequency", args=[notifications.frequency_token(alice)]),
        reverse("home"),
    ]
    moderator_pages = [
        reverse("community:post_moderate", args=[reply.pk]),
        reverse("community:thread_moderate", args=[thread.pk]),
        reverse("community:thread_split", args=[thread.pk]),
        reverse("community:moderation_log"),
        thread.get_absolute_url(),
    ]
    for user, urls in ((alice, member_pages), (moderator, moderator_pages)):
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert html.count("<h1") == 1, url
    client.force_login(alice)
    home = client.get(reverse("home")).content.decode()
    assert "In the forum" in home and "Una pregunta" in home


def test_visitors_see_an_invitation_on_the_community_page(client):
    page = client.get(reverse("community:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Join the community" in page
    assert "Forum categories" not in page


def _count(client, url) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_list_pages_use_a_fixed_number_of_queries(client, alice, bruno, carla):
    from community.models import Notification

    client.force_login(alice)
    urls = [
        reverse("community:index"),
        reverse("community:category", args=["financing"]),
        reverse("community:notifications"),
        reverse("community:search") + "?q=tema",
    ]

    def grow(n):
        for i in range(n):
            author = (bruno, carla)[i % 2]
            thread = factories.thread(author, title=f"Tema {i}", body=f"Tema número {i}")
            Notification.objects.create(
                recipient=alice, kind="reply", post=thread.posts.get(), actor=author
            )

    grow(2)
    for url in urls:
        client.get(url)
    small = [_count(client, url) for url in urls]
    grow(15)
    client.get(urls[0])  # the new notifications changed the unread count kept for the frame
    assert [_count(client, url) for url in urls] == small
