"""The forum's threads in the one search: kept for readers who find the same (members who see no
more than the others; moderators), every other reader's answer their own; a word most posts
hold lists threads as the forum does, each by its latest matching post."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from community.models import Post
from tests.community import factories as forum
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def threads_found(client, q="quimera", **params) -> list[str]:
    response = client.get("/en/search/", {"q": q, **params})
    assert response.status_code == 200
    items = response.context["results"].items
    return [item.hit.title for item in items if item.hit.kind == "threads"]


def searched_posts(client, q="quimera") -> int:
    """The statements that read the posts' search columns while `client` searches."""
    with CaptureQueriesContext(connection) as captured:
        client.get("/en/search/", {"q": q})
    return sum(
        '"search_vector"' in query["sql"] and "community_post" in query["sql"]
        for query in captured.captured_queries
    )


def test_members_who_see_alike_share_the_answer_and_see_a_change_at_the_next_search(client):
    cache.clear()
    author, first, second = UserFactory(), UserFactory(), UserFactory()
    opened = forum.thread(author, title="Quimera abierta")

    client.force_login(first)
    assert threads_found(client) == ["Quimera abierta"]
    client.force_login(second)
    assert searched_posts(client) == 0  # the first member's answer, kept
    assert threads_found(client) == ["Quimera abierta"]

    forum.thread(author, title="Otra quimera")
    assert sorted(threads_found(client)) == ["Otra quimera", "Quimera abierta"]
    post = opened.posts.get()
    post.hidden = True  # as the flags hide it (services save the post)
    post.save()
    client.force_login(first)
    assert threads_found(client) == ["Otra quimera"]


def test_a_reader_who_sees_more_gets_their_own_answer_and_nobody_else_gets_it(client, moderator):
    cache.clear()
    author, grouped, other = UserFactory(), UserFactory(), UserFactory()
    hidden = forum.thread(author, title="Quimera oculta")
    hidden.hidden = True  # moderators still see the thread (and its published posts)
    hidden.save()
    group = forum.category("working-group", is_private=True)
    group.members.add(grouped)
    forum.thread(author, title="Quimera abierta")
    forum.thread(author, title="Quimera del grupo", cat=group)
    waiting = forum.thread(other, title="Quimera en espera")
    Post.objects.filter(thread=waiting).update(status=Post.Status.PENDING)
    waiting.is_published = False
    waiting.save()
    plain = UserFactory()

    client.force_login(moderator)  # kept for every moderator
    assert sorted(threads_found(client)) == [
        "Quimera abierta",
        "Quimera del grupo",
        "Quimera oculta",
    ]
    client.force_login(plain)  # kept for every member who sees what they see
    assert threads_found(client) == ["Quimera abierta"]
    client.force_login(grouped)
    assert sorted(threads_found(client)) == ["Quimera abierta", "Quimera del grupo"]
    assert searched_posts(client) > 0  # their own, asked each time
    client.force_login(other)  # their waiting thread's post is not published: not found
    assert threads_found(client) == ["Quimera abierta"]
    assert searched_posts(client) > 0
    client.force_login(plain)
    assert threads_found(client) == ["Quimera abierta"]
    client.force_login(author)
    assert threads_found(client) == ["Quimera abierta"]
    # Made private, the open category leaves the members' kept answer at once.
    forum.category("financing", is_private=True)
    assert threads_found(client) == []


def test_a_word_most_posts_hold_lists_threads_as_the_forum_does_by_their_latest_match(
    client, monkeypatch
):
    from iapt_platform.lib import search as lib_search

    monkeypatch.setattr(lib_search, "COUNT_CAP", 2)
    author = UserFactory()
    now = timezone.now()
    # Written in another order than the threads' activity.
    pinned = forum.thread(author, title="Hilo fijado", body="quimera cuatro", pinned=True)
    recent = forum.thread(author, title="Hilo reciente", body="quimera tres")
    old = forum.thread(author, title="Hilo viejo", body="quimera uno")
    forum.post(old, author, "quimera dos")
    forum.thread(author, title="Hilo sin la palabra", body="nada")
    for thread, days in ((old, 3), (recent, 0), (pinned, 9)):
        thread.last_posted_at = now - timedelta(days=days)
        thread.save()
    client.force_login(UserFactory())

    response = client.get("/en/search/", {"q": "quimera", "kind": "threads"})

    facet = next(f for f in response.context["results"].facets if f.key == "threads")
    assert facet.more
    hits = [(item.hit.title, item.hit.text) for item in response.context["results"].items]
    assert hits == [
        ("Hilo fijado", "quimera cuatro"),
        ("Hilo reciente", "quimera tres"),
        ("Hilo viejo", "quimera dos"),
    ]
