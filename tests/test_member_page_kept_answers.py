"""A member's reading of an initiative's page keeps their own answers (do they manage it, may
they propose a story, do they follow it: iapt_platform/lib/pagecache.py, `keep_answers`), so
that a hit asks the database nothing of them. Every change that alters an answer, made from
either side and by whoever makes it, shows on that member's next request; one member's kept
answers never reach another.

Each test reads the page twice before the change (the answers are kept by then), and the
changes are made as the services, the admin and the demo make them."""

import re

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.conf import settings
from django.contrib.auth.models import Group
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from community.following import services as following
from community.following.models import Follow
from iapt_platform.accounts import roles
from iapt_platform.accounts import services as accounts
from iapt_platform.accounts.privacy import Visibility
from iapt_platform.lib.news import Subject
from initiatives import services as registry
from initiatives.models import ManagementRequest
from tests.addresses import address
from tests.factories import InitiativeFactory, UserFactory, signed_in

pytestmark = pytest.mark.django_db

HIDDEN = "hidden.detail@cacao.example.org"
PAGE = address("initiatives:detail", ["cacao"], language="en")
EDIT = "Edit this initiative"
PROPOSE = "Propose a story about this initiative"


@pytest.fixture
def cacao(db):
    return InitiativeFactory(
        slug="cacao",
        name="Cluster Cacao",
        contact_email=HIDDEN,
        contact_email_visibility=Visibility.HIDDEN,
    )


def page(client: Client) -> str:
    response = client.get(PAGE)
    assert response.status_code == 200
    return response.content.decode()


def kept(client: Client) -> str:
    """The page read twice: the second reading is served from what the first kept."""
    page(client)
    return page(client)


def following_state(html: str) -> str | None:
    found = re.search(r'data-following="(true|false)"', html)
    return found.group(1) if found else None


def manages(html: str) -> bool:
    return EDIT in html and HIDDEN in html


def test_a_kept_reading_asks_the_database_nothing_of_the_reader(cacao):
    user, client = signed_in("reader@example.org")
    following.follow_add(user=user, subject=Subject("initiative", str(cacao.pk)))
    kept(client)
    with CaptureQueriesContext(connection) as queries:
        html = page(client)
    assert following_state(html) == "true" and "Cluster Cacao" in html and PROPOSE in html
    tables = " ".join(q["sql"] for q in queries.captured_queries)
    for table in ("initiatives_initiative", "following_follow", "auth_group"):
        assert table not in tables
    # Who reads (AuthenticationMiddleware), nothing else; with Redis the session is cached too.
    cached_session = settings.SESSION_ENGINE == "iapt_platform.accounts.sessions"
    assert ("django_session" in tables) is not cached_session
    assert len(queries) == (1 if cached_session else 2)


def test_made_a_manager_and_removed_by_every_path_shows_at_once(cacao):
    user, client = signed_in("new.manager@example.org")
    moderator = UserFactory(email="mod@example.org", roles=[roles.MODERATOR])
    assert not manages(kept(client))
    request = ManagementRequest.objects.create(initiative=cacao, user=user, message="mine")
    registry.approve_management_request(request, moderator=moderator, comment="")
    assert manages(page(client)) and following_state(page(client)) == "true"
    cacao.managers.remove(user)  # the admin's form
    assert not manages(kept(client))
    user.managed_initiatives.add(cacao)  # from the member's side
    assert manages(kept(client))
    user.managed_initiatives.remove(cacao)
    assert not manages(kept(client))
    cacao.managers.add(user)
    assert manages(kept(client))
    cacao.managers.clear()
    html = kept(client)
    assert not manages(html) and following_state(html) == "false"


def test_follow_unfollow_mute_and_a_deleted_row_show_at_once(cacao):
    user, client = signed_in("follower@example.org")
    subject = Subject("initiative", str(cacao.pk))
    assert following_state(kept(client)) == "false"
    following.follow_add(user=user, subject=subject)
    assert following_state(kept(client)) == "true"
    following.follow_remove(user=user, subject=subject)
    assert following_state(kept(client)) == "false"
    following.follow_add(user=user, subject=subject)
    assert following_state(kept(client)) == "true"
    Follow.objects.filter(user=user).delete()  # the admin's bulk delete, a closing
    assert following_state(kept(client)) == "false"
    cacao.managers.add(user)  # managers follow by default...
    assert following_state(kept(client)) == "true"
    following.follow_remove(user=user, subject=subject)  # ...until they mute it
    assert following_state(kept(client)) == "false"


def test_roles_granted_and_withdrawn_from_either_side_show_at_once(cacao):
    user, client = signed_in("writer@example.org", roles=[roles.PROMOTER])
    user.groups.clear()
    html = kept(client)
    assert PROPOSE not in html and following_state(html) is None
    roles.grant_role(user, roles.MEMBER)
    html = kept(client)
    assert PROPOSE in html and following_state(html) == "false"
    accounts.user_role_set(user=user, role=roles.PROMOTER, granted=True)
    user.groups.remove(Group.objects.get(name=roles.MEMBER))
    html = kept(client)
    assert PROPOSE in html and following_state(html) is None  # promoters alone do not follow
    Group.objects.get(name=roles.PROMOTER).user_set.remove(user)  # from the group's side
    assert PROPOSE not in kept(client)
    Group.objects.get(name=roles.PROMOTER).user_set.add(user)
    assert PROPOSE in kept(client)


def test_a_moderator_s_authenticator_app_removed_and_added_shows_at_once(cacao):
    user, client = signed_in("mod@example.org", roles=[roles.MODERATOR])
    assert following_state(kept(client)) == "false"  # moderators may follow with their app
    Authenticator.objects.filter(user=user).delete()
    assert following_state(kept(client)) is None
    TOTP.activate(user, generate_totp_secret())
    assert following_state(kept(client)) == "false"


def test_a_deactivated_member_reads_the_visitors_page_at_once(cacao):
    user, client = signed_in("leaving@example.org")
    html = kept(client)
    assert following_state(html) == "false" and "Sign out" in html
    user.is_active = False
    user.save(update_fields=["is_active"])
    html = page(client)
    assert following_state(html) is None and "Sign out" not in html and ">Sign in<" in html


def test_an_edit_and_a_contact_visibility_change_show_to_a_member_at_once(
    cacao, django_capture_on_commit_callbacks
):
    _user, client = signed_in("partner@example.org")
    assert HIDDEN not in kept(client)
    with django_capture_on_commit_callbacks(execute=True):
        cacao.name = "Cluster Cacao Fino"
        cacao.contact_email_visibility = Visibility.MEMBERS
        cacao.save()
    html = page(client)
    assert "Cluster Cacao Fino" in html and HIDDEN in html and not manages(html)


def test_one_member_s_kept_answers_never_reach_another(cacao):
    follower, follower_client = signed_in("a@example.org")
    manager, manager_client = signed_in("b@example.org", roles=[roles.PROMOTER])
    _plain, plain_client = signed_in("c@example.org")
    following.follow_add(user=follower, subject=Subject("initiative", str(cacao.pk)))
    cacao.managers.add(manager)
    for _ in range(3):
        for client, follows, owner, proposes in (
            (follower_client, "true", False, True),
            (manager_client, None, True, True),  # a promoter who is not a member
            (plain_client, "false", False, True),
        ):
            html = page(client)
            assert following_state(html) == follows
            assert manages(html) is owner
            assert (PROPOSE in html) is proposes
    following.follow_remove(user=follower, subject=Subject("initiative", str(cacao.pk)))
    assert following_state(page(follower_client)) == "false"
    assert following_state(page(plain_client)) == "false"
    assert manages(page(manager_client)) and not manages(page(plain_client))


def test_a_member_s_hit_reads_their_answers_and_unread_version_with_the_page_s_versions(cacao):
    """Each cache call is a round trip to Redis: the member's kept answers, their version and the
    version of their unread count (which names their frame) come in the one call that reads the
    page's versions; then the page and their frame."""
    from community.selectors import unread_version_key
    from tests.cache_calls import cache_calls

    user, client = signed_in("reader@cacao.example.org")
    page(client)
    page(client)  # their answers kept
    with cache_calls() as calls:
        assert "Cluster Cacao" in page(client)

    many = [keys for name, keys in calls if name == "get_many"]
    assert len(many) == 1
    assert unread_version_key(user.pk) in many[0]
    assert any(key.startswith("pagecache:answers:") for key in many[0])
    # The session (in the cache when Redis is), the page kept for members like them, the frame.
    assert len(calls) <= 4, calls
