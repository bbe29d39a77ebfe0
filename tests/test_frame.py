"""The site frame (header, languages, account menu, footer) is rendered once and kept: shared by
every reader who would see the same frame (same language, time zone, section, signed in or not,
unread count), with the parts of one request (its CSRF token, its address) put in on each hit."""

import re

import pytest
from django.test import Client

from iapt_platform.accounts.models import User
from tests.addresses import address
from tests.community import factories as forum
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

FRAME = ("includes/header.html", "includes/footer.html")


def en(name: str, *args) -> str:
    return address(name, args or None, language="en")


def signed_in(email: str, **fields) -> tuple[Client, User]:
    user = UserFactory(email=email, language=fields.pop("language", "en"), **fields)
    client = Client()
    client.force_login(user)
    return client, user


def frame_templates(response) -> list[str]:
    return sorted(t.name for t in response.templates if t.name in FRAME)


def tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_the_frame_is_rendered_once_and_kept_for_the_next_pages(db):
    client, _ = signed_in("reader@example.org")
    first = client.get(en("initiatives:list"))
    assert frame_templates(first) == sorted(FRAME)

    again = client.get(en("initiatives:list"))
    assert again.status_code == 200
    assert frame_templates(again) == []
    assert again.content.decode().count('class="site-header"') == 1
    assert 'class="site-footer"' in again.content.decode()


def test_a_kept_frame_is_the_same_page_as_a_fresh_one_but_for_the_token(db):
    client, _ = signed_in("reader@example.org")
    fresh = client.get(en("community:index")).content.decode()
    kept = client.get(en("community:index")).content.decode()
    fresh_tokens, kept_tokens = tokens(fresh), tokens(kept)
    assert len(kept_tokens) == len(fresh_tokens) >= 3  # sign-out (twice), languages, bulletin
    for old, new in zip(fresh_tokens, kept_tokens, strict=True):
        fresh = fresh.replace(old, "TOKEN", 1)
        kept = kept.replace(new, "TOKEN", 1)
    assert kept == fresh


def test_the_forms_of_a_kept_frame_carry_the_requests_own_token_and_post(db):
    owner, _ = signed_in("owner@example.org")
    owner.get(en("initiatives:list"))  # the frame is kept by another reader's request

    guest = Client(enforce_csrf_checks=True)
    guest.force_login(UserFactory(email="guest@example.org", language="en"))
    html = guest.get(en("initiatives:list")).content.decode()
    found = tokens(html)
    assert found and "csrf-" not in html and "frame-" not in html

    # The language switcher posts with the token the kept frame gave this reader.
    answer = guest.post(
        address("set_language"),
        {"csrfmiddlewaretoken": found[0], "language": "es", "next": en("initiatives:list")},
    )
    assert answer.status_code == 302
    assert answer["Location"] == address("initiatives:list", language="es")


def test_the_frame_of_a_kept_copy_points_at_the_address_being_read(db):
    client, _ = signed_in("reader@example.org")
    client.get(en("initiatives:list"))
    page = en("initiatives:list") + "?country=EC&sort=newest"
    html = client.get(page).content.decode()
    escaped = page.replace("&", "&amp;")
    assert f'name="next" value="{escaped}"' in html  # the language switcher
    assert f'name="source" value="{escaped}"' in html  # the bulletin's form in the footer


def test_the_menu_marks_the_section_being_read_on_each_page(db):
    client, _ = signed_in("reader@example.org")
    for _ in range(2):
        directory = client.get(en("initiatives:list")).content.decode()
        community = client.get(en("community:index")).content.decode()
        assert re.search(r'href="/en/initiatives/" aria-current="page"', directory)
        assert 'aria-current="page">Community' not in directory
        assert re.search(r'href="/en/community/" aria-current="page"', community)
        assert not re.search(r'href="/en/initiatives/" aria-current="page"', community)


def test_a_members_header_shows_a_new_notification_at_once(db, django_capture_on_commit_callbacks):
    from community import notifications

    client, reader = signed_in("reader@example.org")
    author = UserFactory(email="author@example.org")
    topic = forum.thread(author, title="Financing the team")
    for _ in range(2):
        assert 'data-unread="' not in client.get(en("initiatives:list")).content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipients=[reader.pk], kind="reply", post=topic.posts.get(), actor=author
        )
    assert 'data-unread="1"' in client.get(en("initiatives:list")).content.decode()


def test_two_members_alternating_each_see_only_their_own_count_and_name(
    db, django_capture_on_commit_callbacks
):
    from community import notifications

    busy, busy_user = signed_in("busy@example.org", display_name="Bruna Busy")
    quiet, _ = signed_in("quiet@example.org", display_name="Quentin Quiet")
    author = UserFactory(email="author@example.org")
    topics = [forum.thread(author, title=f"Financing the team {n}") for n in (1, 2)]
    with django_capture_on_commit_callbacks(execute=True):
        for topic in topics:
            notifications.notify(
                recipients=[busy_user.pk], kind="reply", post=topic.posts.get(), actor=author
            )
    for page in [en("initiatives:list"), en("community:index"), en("home")] * 2:
        mine = busy.get(page).content.decode()
        theirs = quiet.get(page).content.decode()
        assert 'data-unread="2"' in mine
        assert 'data-unread="' not in theirs
        assert "Quentin" not in mine and "Bruna" not in theirs
        assert tokens(mine) and not set(tokens(mine)) & set(tokens(theirs))


def test_switching_language_shows_the_whole_frame_in_the_other_language_at_once(db):
    client, _ = signed_in("reader@example.org")
    for _ in range(2):
        assert "Your account" in client.get(en("initiatives:list")).content.decode()
    answer = client.post(
        address("set_language"), {"language": "pt-br", "next": en("initiatives:list")}
    )
    html = client.get(answer["Location"]).content.decode()
    assert "Sua conta" in html and "Your account" not in html
    assert re.search(r'lang="pt-br"\s+aria-current="true"', html)


def test_a_new_time_zone_shows_in_the_footer_at_once(db):
    client, reader = signed_in("reader@example.org", time_zone="America/Lima")
    for _ in range(2):
        assert "America/Lima" in client.get(en("initiatives:list")).content.decode()
    reader.time_zone = "America/Sao_Paulo"
    reader.save(update_fields=["time_zone"])
    html = client.get(en("initiatives:list")).content.decode()
    assert "America/Sao_Paulo" in html and "America/Lima" not in html


def test_visitors_and_members_never_share_a_frame(db):
    member, _ = signed_in("reader@example.org")
    visitor = Client()
    for _ in range(2):
        assert "Your account" in member.get(en("stories:list")).content.decode()
        seen = visitor.get(en("stories:list")).content.decode()
        assert "Your account" not in seen and "Sign in" in seen


# --- A page kept for all members, each with their own frame -----------------------------------
def test_the_directory_is_rendered_once_for_all_members_each_seeing_their_own_frame(
    db, django_capture_on_commit_callbacks
):
    from community import notifications

    busy, busy_user = signed_in("busy@example.org")
    quiet, _ = signed_in("quiet@example.org")
    author = UserFactory(email="author@example.org")
    topic = forum.thread(author, title="Financing the team")
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            recipients=[busy_user.pk], kind="reply", post=topic.posts.get(), actor=author
        )
    page = en("initiatives:list") + "?country=EC"
    first = busy.get(page)
    assert "initiatives/directory.html" in [t.name for t in first.templates]

    kept = quiet.get(page)
    assert "initiatives/directory.html" not in [t.name for t in kept.templates]
    html = kept.content.decode()
    assert 'data-unread="' not in html and "Your account" in html
    assert 'href="/en/initiatives/register/"' in html  # a member's link, not the sign-in's
    assert "-frame-" not in html and "csrf-" not in html
    assert f'name="next" value="{page.replace("&", "&amp;")}"' in html
    assert re.search(r'href="/en/initiatives/" aria-current="page"', html)
    assert 'data-unread="1"' in busy.get(page).content.decode()


def test_the_story_list_is_rendered_once_for_all_members_each_seeing_their_own_frame(db):
    propose = 'href="/en/stories/propose/"'  # a member's link: visitors get none
    first, _ = signed_in("first@example.org", display_name="Ana First")
    second, _ = signed_in("second@example.org", display_name="Bea Second")
    assert "stories/list.html" in [t.name for t in first.get(en("stories:list")).templates]

    kept = second.get(en("stories:list"))
    assert "stories/list.html" not in [t.name for t in kept.templates]
    html = kept.content.decode()
    assert "Your account" in html and propose in html
    assert "-frame-" not in html and "csrf-" not in html
    visitor = Client().get(en("stories:list")).content.decode()
    assert "Your account" not in visitor and propose not in visitor


@pytest.mark.parametrize("query", ["?type=guide", "?q=financing"])
def test_the_library_is_rendered_once_for_all_members_each_seeing_their_own_frame(db, query):
    from tests.library.factories import ResourceFactory

    ResourceFactory(title="Financing clusters", type="guide")
    first, _ = signed_in("first@example.org")
    second, _ = signed_in("second@example.org")
    page = en("library:index") + query
    Client().get(page)  # a search is kept once its words are asked again (lib/pagecache.py)
    assert "library/index.html" in [t.name for t in first.get(page).templates]

    kept = second.get(page)
    assert "library/index.html" not in [t.name for t in kept.templates]
    html = kept.content.decode()
    assert "Financing clusters" in html and "Your account" in html
    assert 'href="/en/library/propose/"' in html  # a member's link, not the sign-in's
    assert "-frame-" not in html and "csrf-" not in html
    assert f'name="next" value="{page.replace("&", "&amp;")}"' in html


def test_visitors_never_get_the_members_copy_nor_members_the_visitors(db):
    member, _ = signed_in("reader@example.org")
    visitor = Client()
    for _ in range(2):
        seen = visitor.get(en("initiatives:list")).content.decode()
        assert (
            "Your account" not in seen and "/accounts/login/?next=/en/initiatives/register/" in seen
        )
        mine = member.get(en("initiatives:list")).content.decode()
        assert "Your account" in mine and "/accounts/login/?next=" not in mine


def test_a_member_with_a_message_to_read_gets_the_page_rendered_for_them(db):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    client, _ = signed_in("reader@example.org")
    client.get(en("initiatives:list"))
    storage = CookieStorage(RequestFactory().get("/"))
    client.cookies[storage.cookie_name] = storage._encode(
        [Message(constants.SUCCESS, "Profile saved")]
    )
    assert "Profile saved" in client.get(en("initiatives:list")).content.decode()
