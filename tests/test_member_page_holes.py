"""An initiative's page kept once for all members, with holes for what is one reader's own: their
frame, their follow button, whether they manage it (the contact person as its owners see it, the
management box), whether they may propose a story, their CSRF token. Members reading in turn
never see one another's parts, and a change to any of them shows on the next request."""

import re

import pytest
from django.middleware.csrf import _does_token_match, _unmask_cipher_token
from django.test import Client

from community.following import services as following
from iapt_platform.accounts import roles
from iapt_platform.accounts.privacy import Visibility
from iapt_platform.lib.news import Subject
from tests.addresses import address
from tests.factories import InitiativeFactory, UserFactory

pytestmark = pytest.mark.django_db

HIDDEN = "hidden.detail@cacao.example.org"
MEMBERS = "members.only@cacao.example.org"


@pytest.fixture
def cacao(db):
    return InitiativeFactory(
        slug="cacao",
        name="Cluster Cacao",
        contact_name="Carla Cacao",
        contact_email=HIDDEN,
        contact_email_visibility=Visibility.HIDDEN,
        contact_phone="+593 2 555 0101",
        contact_phone_visibility=Visibility.MEMBERS,
    )


def reader(email: str, **kwargs) -> Client:
    client = Client()
    client.force_login(UserFactory(email=email, language="en", **kwargs))
    return client


PAGE = address("initiatives:detail", ["cacao"], language="en")


def following_state(html: str) -> str | None:
    found = re.search(r'data-following="(true|false)"', html)
    return found.group(1) if found else None


def tokens(html: str) -> list[str]:
    return re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)


def test_members_reading_in_turn_never_see_one_another_s_parts(cacao):
    follower = reader("follower@example.org")
    manager = reader("manager@example.org")
    plain = reader("plain@example.org")
    guest = reader("guest@example.org", roles=[roles.PROMOTER])  # may propose, may not follow
    cacao.managers.add(UserFactory._meta.model.objects.get(email="manager@example.org"))
    user = UserFactory._meta.model.objects.get(email="follower@example.org")
    following.follow_add(user=user, subject=Subject("initiative", str(cacao.pk)))

    for _ in range(3):  # the first round keeps the copy, the next ones are served from it
        for client, follows, manages in (
            (follower, "true", False),
            (manager, "true", True),  # the managers follow their initiative by default
            (plain, "false", False),
            (guest, None, False),
        ):
            response = client.get(PAGE)
            html = response.content.decode()
            assert response.status_code == 200
            assert "Cluster Cacao" in html
            assert following_state(html) == follows
            assert ("Edit this initiative" in html) is manages
            assert ("Ask to manage this profile" in html) is not manages
            assert (HIDDEN in html) is manages  # hidden: its owners alone see it
            assert "+593 2 555 0101" in html  # members see the members' details
            assert "Members who sign in see more contact details." not in html
            secret = client.cookies["csrftoken"].value
            assert tokens(html), "the page's forms carry a token"
            for token in tokens(html):
                assert _does_token_match(token, secret) or _unmask_cipher_token(token) == secret
            assert "_page_cache_placeholder" not in html and "-hole-" not in html


def test_a_follow_and_an_unfollow_show_on_the_next_request(cacao):
    client = reader("follower@example.org")
    user = UserFactory._meta.model.objects.get(email="follower@example.org")
    subject = Subject("initiative", str(cacao.pk))
    assert following_state(client.get(PAGE).content.decode()) == "false"
    assert following_state(client.get(PAGE).content.decode()) == "false"
    following.follow_add(user=user, subject=subject)
    assert following_state(client.get(PAGE).content.decode()) == "true"
    following.follow_remove(user=user, subject=subject)
    assert following_state(client.get(PAGE).content.decode()) == "false"


def test_becoming_a_manager_shows_the_box_and_the_hidden_contact_at_once(cacao):
    client = reader("new.manager@example.org")
    user = UserFactory._meta.model.objects.get(email="new.manager@example.org")
    for _ in range(2):
        html = client.get(PAGE).content.decode()
        assert "Edit this initiative" not in html and HIDDEN not in html
    cacao.managers.add(user)
    html = client.get(PAGE).content.decode()
    assert "Edit this initiative" in html and HIDDEN in html
    cacao.managers.remove(user)
    html = client.get(PAGE).content.decode()
    assert "Edit this initiative" not in html and HIDDEN not in html


def test_a_contact_person_s_privacy_change_shows_to_a_partner_at_once(
    cacao, django_capture_on_commit_callbacks
):
    partner = reader("partner@example.org")
    for _ in range(2):
        assert HIDDEN not in partner.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        cacao.contact_email_visibility = Visibility.MEMBERS
        cacao.save()
    assert HIDDEN in partner.get(PAGE).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        cacao.contact_email_visibility = Visibility.HIDDEN
        cacao.save()
    assert HIDDEN not in partner.get(PAGE).content.decode()


def test_a_role_change_shows_the_story_proposal_link_at_once(cacao):
    client = reader("writer@example.org", roles=[roles.PROMOTER])
    user = UserFactory._meta.model.objects.get(email="writer@example.org")
    assert "Propose a story about this initiative" in client.get(PAGE).content.decode()
    user.groups.clear()
    assert "Propose a story about this initiative" not in client.get(PAGE).content.decode()
