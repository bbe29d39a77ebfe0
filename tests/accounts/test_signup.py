import re

import pytest
from allauth.account.models import EmailAddress
from django.core import mail
from django.urls import reverse

from iapt_platform.accounts.models import User
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

SIGNUP = reverse("account_signup")


def signup(client, email, password="a-long-and-unusual-passphrase", language="es", **extra):
    return client.post(
        SIGNUP,
        {"email": email, "password1": password, "password2": password, "accept_terms": "on"},
        HTTP_ACCEPT_LANGUAGE=language,
        **extra,
    )


def confirmation_link(message) -> str:
    return re.search(r"https?://\S+/accounts/confirm-email/\S+/", message.body).group(0)


def test_a_new_member_signs_up_and_verification_goes_out_only_after_commit(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = signup(client, "nueva@example.org")
        assert response.status_code == 302
        # The request's transaction has not committed yet: nothing has been sent.
        assert mail.outbox == []
    # After the commit: the verification email, once (other callbacks only bump cache versions).
    for callback in callbacks:
        callback()
    assert len(mail.outbox) == 1
    user = User.objects.get(email="nueva@example.org")
    assert user.language == "es"
    assert list(user.groups.values_list("name", flat=True)) == ["member"]
    assert not EmailAddress.objects.get(user=user).verified


def test_following_the_link_verifies_and_welcomes_in_the_members_language(
    client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "joao@example.org", language="pt-BR")
    verification = mail.outbox[0]
    assert verification.extra_headers["Content-Language"] == "pt-br"
    assert "confirme seu endereço de e-mail" in verification.subject
    assert "Olá da Plataforma IAPT!" in verification.body
    link = confirmation_link(verification)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(link)
    assert response.status_code == 302
    assert EmailAddress.objects.get(email="joao@example.org").verified
    welcome = mail.outbox[-1]
    assert welcome.to == ["joao@example.org"]
    assert welcome.subject == "Boas-vindas à Plataforma IAPT"
    assert "Seu e-mail foi verificado" in welcome.body
    html, mimetype = welcome.alternatives[0]
    assert mimetype == "text/html"
    assert "Seu e-mail foi verificado" in html
    assert 'style="' in html  # CSS inlined for mail clients that drop <style>


def test_a_malformed_email_is_refused_in_the_readers_language(client):
    response = signup(client, "not-an-email", language="es")
    assert response.status_code == 200
    assert "Introduzca una dirección de correo electrónico válida." in response.text
    assert not User.objects.exists()
    response = signup(client, "not-an-email", language="pt-BR")
    assert "Insira um endereço de email válido." in response.text


def test_a_mismatched_password_is_refused_and_nothing_is_created(client):
    response = client.post(
        SIGNUP,
        {"email": "a@example.org", "password1": "one-long-passphrase", "password2": "another-one"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert "Debe escribir la misma contraseña cada vez." in response.text
    assert not User.objects.exists()


def test_an_already_used_email_creates_nothing_and_changes_nothing(
    client, django_capture_on_commit_callbacks
):
    owner = UserFactory(email="taken@example.org", language="en")
    old_hash = owner.password
    with django_capture_on_commit_callbacks(execute=True):
        response = signup(client, "taken@example.org", password="another-passphrase-123")
    # Enumeration prevention: the page says to check the inbox; the owner is told by email.
    assert response.status_code == 302
    assert User.objects.count() == 1
    owner.refresh_from_db()
    assert owner.password == old_hash
    assert mail.outbox[0].to == ["taken@example.org"]
    assert "already" in mail.outbox[0].body  # in the owner's language: English


def test_a_tampered_verification_link_verifies_nothing(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signup(client, "tamper@example.org")
    link = confirmation_link(mail.outbox[0])
    tampered = link[:-3] + ("A" if link[-3] != "A" else "B") + link[-2:]
    response = client.get(tampered, HTTP_ACCEPT_LANGUAGE="es")
    assert (
        "Este enlace de confirmación por correo electrónico ha caducado o no es válido."
        in response.text
    )
    client.post(tampered)
    assert not EmailAddress.objects.get(email="tamper@example.org").verified


def test_a_wrong_password_is_refused_with_a_clear_message(client, member):
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": "wrong-password"},
        HTTP_ACCEPT_LANGUAGE="es",
    )
    assert response.status_code == 200
    assert (
        "La dirección de correo electrónico y/o la contraseña que ha indicado no son correctas."
        in response.text
    )
    assert "_auth_user_id" not in client.session
    response = client.post(reverse("account_login"), {"login": member.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(member.pk)


def test_an_unverified_account_cannot_sign_in(client):
    UserFactory(email="unverified@example.org", verified=False)
    client.post(reverse("account_login"), {"login": "unverified@example.org", "password": PASSWORD})
    assert "_auth_user_id" not in client.session


def test_login_failures_are_rate_limited(client, member):
    for _attempt in range(5):
        client.post(reverse("account_login"), {"login": member.email, "password": "nope"})
    response = client.post(
        reverse("account_login"),
        {"login": member.email, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    # Even the right password is refused, from this address, until the window passes.
    assert "Too many failed sign-in attempts for this account from your network" in response.text
    assert "_auth_user_id" not in client.session
