"""Failed sign-ins shut out whoever fails, not the account's owner (issue 21, item 9)."""

import time

import pytest
from allauth.core.internal import ratelimit as allauth_ratelimit
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from allauth.mfa.utils import decrypt
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

ATTACKER = "203.0.113.66"
OWNER = "198.51.100.7"
LOCKED = "Too many failed sign-in attempts"


def sign_in(client, email, password, ip):
    return client.post(
        reverse("account_login"),
        {"login": email, "password": password},
        REMOTE_ADDR=ip,
        HTTP_ACCEPT_LANGUAGE="en",
    )


def test_a_stranger_failing_on_purpose_does_not_shut_the_owner_out(client, owner_client, moderator):
    for _attempt in range(10):
        response = sign_in(client, moderator.email, "not-the-password", ATTACKER)
    assert response.status_code == 200
    assert LOCKED in response.content.decode()
    # The attacker is stopped, even when they try the right password now.
    response = sign_in(client, moderator.email, PASSWORD, ATTACKER)
    assert LOCKED in response.content.decode()
    assert "_auth_user_id" not in client.session
    # The owner, from their own network, signs in (and is asked for the authenticator code).
    response = sign_in(owner_client, moderator.email, PASSWORD, OWNER)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")


def test_failures_from_one_address_across_accounts_are_limited(client, owner_client):
    from tests.factories import UserFactory

    people = [UserFactory() for _n in range(11)]
    answers = [sign_in(client, p.email, "wrong", ATTACKER).content.decode() for p in people]
    assert LOCKED not in answers[0]
    assert LOCKED in answers[-1]
    # Another address is not affected.
    response = sign_in(owner_client, people[-1].email, PASSWORD, OWNER)
    assert response.status_code == 302


@pytest.fixture
def owner_client():
    from django.test import Client

    return Client()


class Clock:
    """allauth's rate limits read time.time(): this one moves when the test says so."""

    def __init__(self):
        self.now = time.time()

    def time(self):
        return self.now

    def monotonic(self):
        return time.monotonic()

    def sleep(self, seconds):
        time.sleep(seconds)


@pytest.fixture
def clock(monkeypatch):
    fake = Clock()
    monkeypatch.setattr(allauth_ratelimit, "time", fake)
    return fake


def _right_code(user) -> str:
    authenticator = user.authenticator_set.get(type="totp")
    secret = decrypt(authenticator.wrap().instance.data["secret"])
    return format_hotp_value(hotp_value(secret, int(time.time()) // 30))


def _wrong_code(user) -> str:
    return "000000" if _right_code(user) != "000000" else "111111"


def test_wrong_authenticator_codes_do_not_shut_the_right_one_out_for_minutes(
    client, moderator, clock, totp_step_frozen
):
    sign_in(client, moderator.email, PASSWORD, OWNER)
    for _attempt in range(5):
        response = client.post(
            reverse("mfa_authenticate"),
            {"code": _wrong_code(moderator)},
            REMOTE_ADDR=OWNER,
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert "Incorrect code" in response.content.decode()
    # A sixth try comes too fast: the page asks to wait half a minute, not five minutes.
    response = client.post(
        reverse("mfa_authenticate"),
        {"code": _right_code(moderator)},
        REMOTE_ADDR=OWNER,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "Wait half a minute" in response.content.decode()
    assert "_auth_user_id" not in client.session
    clock.now += 31
    response = client.post(
        reverse("mfa_authenticate"),
        {"code": _right_code(moderator)},
        REMOTE_ADDR=OWNER,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(moderator.pk)


def test_wrong_codes_from_many_addresses_are_bounded_per_account(
    client, moderator, clock, totp_step_frozen
):
    sign_in(client, moderator.email, PASSWORD, OWNER)
    for attempt in range(20):
        client.post(
            reverse("mfa_authenticate"),
            {"code": _wrong_code(moderator)},
            REMOTE_ADDR=f"192.0.2.{attempt}",
        )
    response = client.post(
        reverse("mfa_authenticate"),
        {"code": _right_code(moderator)},
        REMOTE_ADDR="192.0.2.99",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert "in the last hour" in response.content.decode()
    assert "_auth_user_id" not in client.session
