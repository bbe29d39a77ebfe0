"""A member's thread page is kept whole (community/views/forum.py, `_reader`): one copy per page,
language, time zone and reader's situation, the frame and the CSRF token put in on each hit.

Each test reads the page as several members first (so that their copies are kept), changes
something as the services, the moderators or the admin do (with the commit's callbacks run, as
in production), and reads again: the change shows at the next request to the member it concerns,
and never to another."""

import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.test import Client
from django.urls import reverse
from django.utils import translation

from community import selectors, services
from community.models import Category, Post, Thread
from iapt_platform.accounts import roles
from iapt_platform.lib.cache import _VERSION_KEYS
from tests.factories import UserFactory

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def forum(db, moderator, monkeypatch):
    """A question by Ana, a reply by Raúl, and four readers with their copies kept: Ana (the
    asker), Raúl, Lena (another member) and the moderator."""
    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 0)
    monkeypatch.setattr(services, "RATE_LIMITS", ((60, 10_000), (3600, 10_000)))
    ana = UserFactory(email="ana@example.org", display_name="Ana Autora", language="en")
    raul = UserFactory(email="raul@example.org", display_name="Raúl Replica", language="en")
    lena = UserFactory(email="lena@example.org", display_name="Lena Lectora", language="en")
    for user, handle in ((ana, "ana"), (raul, "raul"), (lena, "lena")):
        factories.profile(user, handle=handle)
    topic = factories.thread(ana, title="Financing the team", body="Opening text", is_question=True)
    reply = factories.post(topic, raul, "Reply text")
    clients = {}
    for name, user in (("ana", ana), ("raul", raul), ("lena", lena), ("moderator", moderator)):
        client = Client()
        client.force_login(user)
        clients[name] = client
    with translation.override("en"):
        page = reverse("community:thread", args=[topic.pk])
    f = {"ana": ana, "raul": raul, "lena": lena, "moderator": moderator}
    f.update(topic=topic, reply=reply, clients=clients, page=page)
    for client in clients.values():
        shown(client, page)
        shown(client, page)  # kept
    return f


def shown(client: Client, address: str, **params) -> str:
    response = client.get(address, params)
    assert response.status_code == 200
    return response.content.decode()


def pages(f, *names) -> dict[str, str]:
    return {name: shown(f["clients"][name], f["page"]) for name in names}


def test_the_page_is_kept_whole_for_members(forum, django_assert_max_num_queries):
    f = forum
    # A change the signals do not see (an update): the kept copy is served, not the view.
    Post.objects.filter(pk=f["reply"].pk).update(body="Changed behind the cache's back")
    with django_assert_max_num_queries(4):  # session, account, roles, the reader's marks
        page = shown(f["clients"]["lena"], f["page"])
    assert "Reply text" in page
    assert "Changed behind the cache" not in page


def test_a_new_reply_shows_to_everyone_and_a_waiting_one_to_its_author_only(
    forum, django_capture_on_commit_callbacks, monkeypatch
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(user=f["raul"], thread=f["topic"], body="Second reply text")
    for page in pages(f, "ana", "raul", "lena", "moderator").values():
        assert "Second reply text" in page

    monkeypatch.setattr(services, "NEW_MEMBER_POSTS", 100)  # Lena's next post waits
    with django_capture_on_commit_callbacks(execute=True):
        services.post_reply(user=f["lena"], thread=f["topic"], body="Waiting reply text")
    seen = pages(f, "ana", "raul", "lena", "moderator")
    assert "Waiting reply text" in seen["lena"]
    assert "Waiting reply text" in seen["moderator"]
    assert "Waiting reply text" not in seen["ana"]
    assert "Waiting reply text" not in seen["raul"]


def test_an_edit_shows_at_the_next_request(forum, django_capture_on_commit_callbacks):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(user=f["raul"], post=f["reply"], body="Reply text, better")
    for page in pages(f, "ana", "raul", "lena", "moderator").values():
        assert "Reply text, better" in page


def test_a_hidden_post_leaves_members_pages_and_the_moderator_sees_it_hidden(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_moderate(moderator=f["moderator"], post=f["reply"], hide=True, reason="No")
    seen = pages(f, "ana", "raul", "lena", "moderator")
    assert "Reply text" not in seen["ana"]
    assert "Reply text" not in seen["lena"]
    assert "Hidden by the moderators" in seen["raul"]  # its author still sees it, hidden
    assert "Hidden by the moderators" in seen["moderator"]
    assert "Restore</a>" in seen["moderator"]
    assert "Restore</a>" not in seen["raul"]


def test_a_locked_thread_closes_the_reply_box_at_the_next_request(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_moderate(
            moderator=f["moderator"], thread=f["topic"], action="lock", reason="Done"
        )
    seen = pages(f, "ana", "lena", "moderator")
    for name in ("ana", "lena"):
        assert "This thread is closed to new replies." in seen[name]
        assert "Send the reply" not in seen[name]
    assert "Locked: no new replies" in seen["moderator"]
    assert "Send the reply" in seen["moderator"]  # moderators may still answer


def test_a_member_made_moderator_gets_the_tools_at_once_and_nobody_else(forum):
    f = forum
    assert "Moderate the thread" not in pages(f, "lena")["lena"]
    roles.grant_role(f["lena"], roles.MODERATOR)
    TOTP.activate(f["lena"], generate_totp_secret())
    seen = pages(f, "lena", "ana", "raul")
    assert "Moderate the thread" in seen["lena"]
    assert "Hide</a>" in seen["lena"]
    for name in ("ana", "raul"):
        assert "Moderate the thread" not in seen[name]
        assert "Hide</a>" not in seen[name]


def test_watching_shows_to_the_watcher_only(forum):
    f = forum
    services.watch_toggle(user=f["lena"], thread=f["topic"])
    seen = pages(f, "lena", "raul")
    assert "Stop watching" in seen["lena"]
    assert "Stop watching" not in seen["raul"]  # Raúl watches? no: he replied without the service
    services.watch_toggle(user=f["lena"], thread=f["topic"])
    assert "Watch this thread" in pages(f, "lena")["lena"]


def test_a_flag_shows_to_the_flagger_and_its_count_to_moderators(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_flag(user=f["lena"], post=f["reply"], reason="spam")
    seen = pages(f, "lena", "ana", "moderator")
    assert "You flagged this post" in seen["lena"]
    assert "You flagged this post" not in seen["ana"]
    assert "You flagged this post" not in seen["moderator"]
    assert "1 flag" in seen["moderator"]
    assert "1 flag" not in seen["ana"]
    assert "1 flag" not in seen["lena"]

    with django_capture_on_commit_callbacks(execute=True):
        services.flag_dismiss(f["reply"], moderator=f["moderator"], comment="")
    assert "1 flag" not in pages(f, "moderator")["moderator"]


def test_a_useful_mark_shows_to_its_member_and_the_count_to_all(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_toggle_useful(user=f["lena"], post=f["reply"])
    seen = pages(f, "lena", "ana")
    pressed = re.compile(r'aria-pressed="true">Useful \(1\)')
    assert pressed.search(seen["lena"])
    assert not pressed.search(seen["ana"])
    assert 'aria-pressed="false">Useful (1)' in seen["ana"]


def test_the_asker_and_moderators_see_mark_as_the_answer_and_others_do_not(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    seen = pages(f, "ana", "moderator", "lena", "raul")
    assert "Mark as the answer" in seen["ana"]
    assert "Mark as the answer" in seen["moderator"]
    assert "Mark as the answer" not in seen["lena"]
    assert "Mark as the answer" not in seen["raul"]
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_accept_answer(user=f["ana"], post=f["reply"])
    seen = pages(f, "ana", "lena")
    assert "Unmark as the answer" in seen["ana"]
    assert "Accepted answer" in seen["lena"]
    assert "Unmark as the answer" not in seen["lena"]


def test_a_renamed_category_shows_in_the_breadcrumb(forum, django_capture_on_commit_callbacks):
    f = forum
    category = Category.objects.get(pk=f["topic"].category_id)
    category.name_en = "Money matters"
    with django_capture_on_commit_callbacks(execute=True):
        category.save()  # as the admin does
    assert "Money matters</a>" in pages(f, "lena")["lena"]


def _token_of_form(page: str, action: str) -> str:
    form = re.search(
        rf'action="{re.escape(action)}"[^>]*>\s*<input type="hidden" name="csrfmiddlewaretoken" '
        r'value="([^"]+)"',
        page,
    )
    assert form is not None, action
    return form.group(1)


def test_each_member_s_copy_carries_their_own_token(forum):
    """Lena's page kept from her other browser, served to this one, carries this one's token in
    every form (the reply box and each post's buttons): both are accepted."""
    f = forum
    client = Client(enforce_csrf_checks=True)
    client.force_login(f["lena"])
    page = shown(client, f["page"])  # the copy kept for Lena's first browser
    assert "csrf-" not in page
    with translation.override("en"):
        useful = reverse("community:post_useful", args=[f["reply"].pk])
    in_post = _token_of_form(page, useful)
    assert client.post(useful, {"csrfmiddlewaretoken": in_post}).status_code == 302
    assert f["reply"].reactions.filter(user=f["lena"]).exists()
    reply_box = _token_of_form(page, f["page"])
    response = client.post(
        f["page"], {"body": "With my own token", "csrfmiddlewaretoken": reply_box}
    )
    assert response.status_code == 302
    assert Post.objects.filter(body="With my own token", author=f["lena"]).exists()


def test_a_reply_with_an_error_keeps_the_text_and_a_quote_fills_the_box(forum):
    f = forum
    client = f["clients"]["lena"]
    response = client.post(f["page"], {"body": "Kept typed text " + "x" * 20_000})  # too long
    assert response.status_code == 200
    assert "Kept typed text xxx" in response.content.decode()
    assert 'class="field-errors"' in response.content.decode()
    quoted = shown(client, f["page"], quote=f["reply"].pk)
    assert "&gt; Reply text" in quoted


def test_a_page_number_outside_the_thread_is_answered_and_not_kept(forum):
    f = forum
    client = f["clients"]["lena"]
    assert "Reply text" in shown(client, f["page"], page="99")  # the last page, as before
    assert "Reply text" in shown(client, f["page"], page="007")


def test_a_private_category_s_thread_is_not_served_to_a_member_outside_it(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    category = Category.objects.get(pk=f["topic"].category_id)
    category.is_private = True
    with django_capture_on_commit_callbacks(execute=True):
        category.save()
        category.members.add(f["ana"], f["lena"])
    assert f["clients"]["lena"].get(f["page"]).status_code == 200
    assert f["clients"]["raul"].get(f["page"]).status_code == 404
    category.members.remove(f["lena"])  # membership is asked on each request
    assert f["clients"]["lena"].get(f["page"]).status_code == 404
    assert f["clients"]["ana"].get(f["page"]).status_code == 200


def test_reading_threads_registers_no_version_per_thread(forum):
    before = len(_VERSION_KEYS)
    for topic in [factories.thread(forum["ana"], title=f"T{n}") for n in range(3)]:
        selectors.post_fragment_version(thread_id=topic.pk)
    assert len(_VERSION_KEYS) == before
    assert Thread.objects.count() == 4


def test_a_reply_renders_only_itself_the_thread_s_other_posts_stay_kept(
    forum, django_capture_on_commit_callbacks, written_posts
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        reply = services.post_reply(user=f["raul"], thread=f["topic"], body="Second reply text")
    page = shown(f["clients"]["lena"], f["page"])
    for text in ("Opening text", "Reply text", "Second reply text"):
        assert text in page
    assert written_posts == [reply.pk]


def test_an_edit_s_history_shows_to_other_members_at_the_next_request(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    with django_capture_on_commit_callbacks(execute=True):
        services.post_edit(user=f["raul"], post=f["reply"], body="Reply text, better")
    for page in pages(f, "ana", "lena", "moderator").values():
        assert "Reply text, better" in page
        assert "Edit history: 1 earlier version" in page


def test_a_long_thread_is_paged_for_each_reader_with_what_they_see(
    forum, django_capture_on_commit_callbacks
):
    f = forum
    for n in range(50):  # 52 posts: the opening, the reply, these
        factories.post(f["topic"], f["raul"], f"Reply number {n}")
    with django_capture_on_commit_callbacks(execute=True):
        services.post_moderate(moderator=f["moderator"], post=f["reply"], hide=True, reason="No")
    lena, moderator = f["clients"]["lena"], f["clients"]["moderator"]
    first = shown(lena, f["page"])
    assert first.count('<article class="post') == 50
    assert "Reply number 48" in first  # the 51 members see: 50 here, one on page 2
    assert "?page=2" in first
    assert shown(lena, f["page"], page=2).count('<article class="post') == 1
    assert "Reply number 49" in shown(lena, f["page"], page=2)
    assert shown(moderator, f["page"], page=2).count('<article class="post') == 2
    # A number past the end answers the last page, as before.
    assert "Reply number 49" in shown(lena, f["page"], page=9)
    # A reply with an error shows the reply box under the last page.
    response = lena.post(f["page"], {"body": ""})
    assert "Reply number 49" in response.content.decode()
