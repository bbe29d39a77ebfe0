"""Sessions read from the cache (the cached_db engine with Redis, settings.SESSION_ENGINE): every
way a session ends (signing out, closing the account, the sessions ended on every device, a
password changed elsewhere, an account deactivated) ends the copy in the cache too, so a cookie
kept on another device no longer signs in, though that device read pages a moment before."""

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.test import Client
from django.urls import reverse

from iapt_platform.accounts import services, sessions
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

HOME = reverse("accounts:home")


def device(email: str) -> Client:
    """A device signed in through the sign-in form (a real session), that read a page since."""
    client = Client()
    response = client.post(reverse("account_login"), {"login": email, "password": PASSWORD})
    assert response.status_code == 302
    assert signed_in(client)
    return client


def signed_in(client: Client) -> bool:
    return client.get(HOME).status_code == 200


def cached_copies() -> int:
    store = __import__(settings.SESSION_ENGINE, fromlist=["SessionStore"]).SessionStore
    keys = [store.cache_key_prefix + s.session_key for s in Session.objects.all()]
    return len(caches[settings.SESSION_CACHE_ALIAS].get_many(keys))


@pytest.fixture
def member(db):
    return UserFactory(email="lea@example.org", language="en")


def test_sessions_are_read_from_the_cache_with_redis_each_copy_for_minutes(member):
    if not settings.REDIS_URL:
        pytest.skip("the database alone without Redis")
    assert settings.SESSION_ENGINE == "iapt_platform.accounts.sessions"
    phone = device(member.email)
    assert cached_copies() == 1
    cache = caches[settings.SESSION_CACHE_ALIAS]
    key = cache.make_and_validate_key(
        sessions.SessionStore.cache_key_prefix + phone.cookies[settings.SESSION_COOKIE_NAME].value
    )
    # The session lives two weeks; its copy in the cache ten minutes at most (a delete lost to an
    # outage cannot sign a cookie in again for longer).
    assert 0 < cache._cache.get_client(key).ttl(key) <= sessions.KEEP
    assert settings.SESSION_COOKIE_AGE > sessions.KEEP


def test_sessions_ended_on_every_device_no_longer_sign_in(member):
    phone, laptop = device(member.email), device(member.email)
    other = device(UserFactory(email="other@example.org").email)
    assert services.sessions_end(user=member) == 2
    assert not signed_in(phone) and not signed_in(laptop)
    assert signed_in(other)  # another member's session stays


def test_a_closed_account_s_other_devices_no_longer_sign_in(member):
    phone, laptop = device(member.email), device(member.email)
    assert laptop.post(reverse("account_reauthenticate"), {"password": PASSWORD}).status_code == 302
    laptop.post("/account/close/", {"confirmation": member.email})
    assert not type(member).objects.filter(pk=member.pk).exists()
    assert not signed_in(phone) and not signed_in(laptop)


def test_signing_out_ends_the_cached_copy(member):
    phone = device(member.email)
    cookie = phone.cookies[settings.SESSION_COOKIE_NAME].value
    phone.post(reverse("account_logout"))
    replay = Client()
    replay.cookies[settings.SESSION_COOKIE_NAME] = cookie
    assert not signed_in(replay)


def test_a_password_changed_on_one_device_signs_the_others_out(member):
    phone, laptop = device(member.email), device(member.email)
    response = laptop.post(
        reverse("account_change_password"),
        {
            "oldpassword": PASSWORD,
            "password1": "a-new-Passw0rd-2026",
            "password2": "a-new-Passw0rd-2026",
        },
    )
    assert response.status_code == 302
    assert signed_in(laptop)
    assert not signed_in(phone)


def test_a_deactivated_account_is_signed_out_everywhere(member):
    phone = device(member.email)
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert not signed_in(phone)
