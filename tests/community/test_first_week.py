"""Forum defects met in the first week (issue 21, items 17-19): mentions that link, a waiting
thread that says it waits, and a thread whose opening post the flags hid."""

import pytest
from django.urls import reverse

from community import services
from community.models import Thread
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db


def test_a_mention_links_to_the_members_profile(client_for, alice, bruno, carla):
    thread = factories.thread(alice, title="Menciones")
    factories.post(thread, alice, "Pregunta a @bruno y a @nadie, pero no en `@carla` ni a x@bruno")
    page = client_for(carla).get(thread.get_absolute_url()).content.decode()
    profile_url = reverse("community:member", args=["bruno"])
    assert f'<a href="{profile_url}" rel="nofollow noopener noreferrer">@bruno</a>' in page
    # An unknown handle, code and an email-like text stay plain text.
    assert "@nadie" in page and 'href="/community/members/nadie/' not in page
    assert "<code>@carla</code>" in page
    assert page.count(f'href="{profile_url}"') == 1 + page.count(f'<a href="{profile_url}">Bruno')


def test_a_mention_of_a_closed_account_is_not_a_link(client_for, alice, bruno, carla):
    bruno.is_active = False
    bruno.save(update_fields=["is_active"])
    thread = factories.thread(alice, title="Menciones", body="Hola @bruno")
    page = client_for(carla).get(thread.get_absolute_url()).content.decode()
    assert "Hola @bruno" in page
    assert 'href="' + reverse("community:member", args=["bruno"]) not in page


def test_mention_links_cost_one_query_per_page(client_for, alice, bruno, carla):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from community.selectors import fragments_version, thread_version

    def nothing_kept() -> None:  # each page renders its posts
        thread_version(thread.pk).bump()
        fragments_version(thread.pk).bump()

    thread = factories.thread(alice, title="Muchas menciones")
    client = client_for(carla)
    client.get(thread.get_absolute_url())
    nothing_kept()
    with CaptureQueriesContext(connection) as few:
        client.get(thread.get_absolute_url())
    for n in range(10):
        factories.post(thread, bruno, f"Respuesta {n} para @alicia y @carla")
    nothing_kept()
    with CaptureQueriesContext(connection) as many:
        client.get(thread.get_absolute_url())
    assert len(many) <= len(few) + 1


def test_a_new_members_waiting_thread_says_it_waits_for_a_moderator(client_for, alice):
    cat = factories.category()
    client = client_for(alice)
    client.post(
        reverse("community:thread_new", args=[cat.slug]),
        {"title": "Mi primer hilo", "body": "Hola a todos"},
    )
    thread = Thread.objects.get(title="Mi primer hilo")
    assert not thread.is_published
    page = client.get(thread.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "This thread is closed to new replies" not in page
    assert "Replies open once a moderator has approved this thread." in page


def test_a_locked_thread_still_says_it_is_closed(client_for, alice, bruno, established):
    thread = factories.thread(alice, title="Cerrado", locked=True)
    page = client_for(bruno).get(thread.get_absolute_url()).content.decode()
    assert "This thread is closed to new replies." in page


@pytest.fixture
def flagged_opening(alice, bruno, carla):
    thread = factories.thread(alice, title="Hilo señalado", body="Texto dudoso")
    opening = thread.posts.get()
    dora = UserFactory(language="en")
    for flagger in (bruno, carla, dora):
        services.post_flag(user=flagger, post=opening, reason="spam")
    opening.refresh_from_db()
    assert opening.hidden
    return thread


def test_a_thread_whose_opening_post_the_flags_hid_is_gone_for_other_members(
    flagged_opening, client_for, bruno
):
    client = client_for(bruno)
    assert client.get(flagged_opening.get_absolute_url()).status_code == 404
    category_page = client.get(flagged_opening.category.get_absolute_url()).content.decode()
    assert "Hilo señalado" not in category_page
    assert "Hilo señalado" not in client.get(reverse("community:index")).content.decode()


def test_its_author_sees_the_hidden_post_and_no_reply_box(flagged_opening, client_for, alice):
    page = client_for(alice).get(flagged_opening.get_absolute_url()).content.decode()
    assert "Texto dudoso" in page and "Hidden by the moderators" in page
    assert 'id="id_body"' not in page
    assert "The moderators hid the opening post: replies are closed." in page


def test_a_moderator_still_sees_it_and_restoring_the_post_brings_the_thread_back(
    flagged_opening, client_for, bruno, moderator_with_totp
):
    page = client_for(moderator_with_totp).get(flagged_opening.get_absolute_url())
    assert page.status_code == 200 and "Texto dudoso" in page.content.decode()
    opening = flagged_opening.posts.get()
    services.post_moderate(moderator=moderator_with_totp, post=opening, hide=False, reason="ok")
    assert client_for(bruno).get(flagged_opening.get_absolute_url()).status_code == 200
