"""The sign-in page is kept for visitors (iapt_platform/accounts/sign_in.py): one copy per language
with a hole for `next`, filled per request once allauth's rule accepts it; the token in its form
is the visitor's own, and anything allauth must answer itself (errors, the authenticator step,
messages, members) still reaches allauth."""

import re
from unittest import mock

import pytest
from django.test import Client
from django.urls import reverse

from iapt_platform.accounts import sign_in as sign_in_module
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

EN = {"HTTP_ACCEPT_LANGUAGE": "en"}
THREAD = "/community/t/42/?page=2&focus=7"


@pytest.fixture
def rendered():
    """Counts the pages allauth renders (a page served from the kept copy is not one)."""
    with mock.patch.object(
        sign_in_module, "allauth_login", wraps=sign_in_module.allauth_login
    ) as spy:
        yield spy


def page(client, **query):
    response = client.get(reverse("account_login"), query, **EN)
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]  # no browser or proxy keeps it
    return response.content.decode()


def token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def hidden_next(html: str) -> list[str]:
    return re.findall(r'<input type="hidden" name="next" value="([^"]*)"', html)


def test_visitors_get_one_kept_copy_whatever_next_they_bring(rendered):
    first = page(Client(), next="/community/t/1/")
    html = page(Client(), next=THREAD)
    assert page(Client(), next="/library/")
    assert rendered.call_count == 1  # kept after the first
    assert "Sign In" in html
    assert "/community/t/1/" not in html
    assert "/community/t/42/?page=2&amp;focus=7" in hidden_next(html)  # the sign-in form's
    assert 'href="/accounts/signup/?next=%2Fcommunity%2Ft%2F42%2F%3Fpage%3D2%26focus%3D7"' in html
    assert "sign-in-next-hole" not in html + first
    page(Client())
    page(Client())
    assert rendered.call_count == 2  # the copy without next, kept too


def test_signing_in_from_a_kept_page_uses_the_visitors_own_token_and_follows_next(rendered):
    member = UserFactory(email="reader@example.org")
    page(Client(), next=THREAD)  # kept by someone else
    visitor = Client(enforce_csrf_checks=True)
    html = page(visitor, next=THREAD)
    assert rendered.call_count == 1
    response = visitor.post(
        reverse("account_login"),
        {
            "login": member.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token(html),
            "next": hidden_next(html)[-1].replace("&amp;", "&"),
        },
        **EN,
    )
    assert response.status_code == 302
    assert response["Location"] == THREAD
    assert visitor.session["_auth_user_id"] == str(member.pk)


@pytest.mark.parametrize(
    "hostile", ["//evil.example", "https://evil.example/", "/\\evil.example", "http:evil.example"]
)
def test_a_next_to_another_site_is_dropped_and_not_followed(hostile, rendered):
    member = UserFactory(email="reader@example.org")
    visitor = Client(enforce_csrf_checks=True)
    html = page(visitor, next=hostile)
    assert "evil.example" not in html
    page(Client(), next="/library/")
    page(Client())
    assert rendered.call_count == 2  # the plain copy, kept; the hostile value never a key
    response = visitor.post(
        reverse("account_login"),
        {
            "login": member.email,
            "password": PASSWORD,
            "csrfmiddlewaretoken": token(html),
            "next": hostile,  # even sent by hand
        },
        **EN,
    )
    assert response.status_code == 302
    assert "evil.example" not in response["Location"]
    assert response["Location"] == reverse("accounts:home")


def test_a_wrong_password_shows_the_error_with_the_typed_address(client):
    UserFactory(email="reader@example.org")
    html = page(client, next=THREAD)
    response = client.post(
        reverse("account_login"),
        {
            "login": "reader@example.org",
            "password": "not-the-password",
            "csrfmiddlewaretoken": token(html),
            "next": THREAD,
        },
        **EN,
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "The email address and/or password you specified are not correct." in html
    assert 'value="reader@example.org"' in html
    assert THREAD.replace("&", "&amp;") in hidden_next(html)


def test_the_authenticator_step_is_not_skipped_by_a_kept_page(moderator):
    page(Client())  # the kept copy exists
    client = Client()
    response = client.post(
        reverse("account_login"), {"login": moderator.email, "password": PASSWORD}, **EN
    )
    assert response["Location"] == reverse("mfa_authenticate")
    again = client.get(reverse("account_login"), **EN)
    assert again.status_code == 302
    assert again["Location"] == reverse("mfa_authenticate")


def test_the_signed_out_message_is_shown_not_a_kept_copy(rendered):
    member = UserFactory(email="reader@example.org")
    page(Client())
    client = Client()
    client.force_login(member)
    assert client.get(reverse("account_login"), **EN).status_code == 302  # members: allauth
    client.post(reverse("account_logout"), **EN)
    html = page(client)
    assert "You have signed out." in html
    assert rendered.call_count == 3


def test_each_language_has_its_own_copy():
    assert "Sign In" in page(Client())
    spanish = (
        Client()
        .get(reverse("account_login"), {"next": THREAD}, HTTP_ACCEPT_LANGUAGE="es")
        .content.decode()
    )
    assert "Iniciar sesión" in spanish and "Sign In" not in spanish
    portuguese = (
        Client()
        .get(reverse("account_login"), {"next": THREAD}, HTTP_ACCEPT_LANGUAGE="pt-br")
        .content.decode()
    )
    assert "Entrar" in portuguese


def test_allauths_scripts_get_its_json_not_the_kept_page():
    page(Client())
    response = Client().get(reverse("account_login"), HTTP_ACCEPT="application/json", **EN)
    assert response["Content-Type"].startswith("application/json")
    assert "form" in response.json()
