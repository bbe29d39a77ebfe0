"""Sample emails of accounts: the welcome, and allauth's messages in the platform's frame."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def welcome(language: str) -> emails.RenderedEmail:
    return samples.render("welcome", to=samples.person(language), context={})


def _allauth(template_prefix: str, extra: dict) -> samples.Render:
    """One of allauth's messages, rendered as the account adapter sends it."""

    def render(language: str) -> emails.RenderedEmail:
        from .adapter import AccountAdapter

        user = samples.person(language)
        context = {"user": user, "username": user.email, "email": user.email, **extra}
        return AccountAdapter().render_allauth_mail(template_prefix, user.email, context)

    return render


ALLAUTH = {
    "account/email/email_confirmation_signup": {
        "activate_url": samples.link("/accounts/confirm-email/MQ:abc/"),
        "key": "MQ:abc",
        "user_display": "María José O'Neill",
    },
    "account/email/email_confirmation": {
        "activate_url": samples.link("/accounts/confirm-email/MQ:abc/"),
        "key": "MQ:abc",
        "user_display": "María José O'Neill",
    },
    "account/email/password_reset_key": {
        "password_reset_url": samples.link("/accounts/password/reset/key/1-set-password/"),
    },
    "account/email/unknown_account": {"signup_url": samples.link("/accounts/signup/")},
    "account/email/account_already_exists": {
        "password_reset_url": samples.link("/accounts/password/reset/"),
    },
}


def text_as_html(language: str) -> emails.RenderedEmail:
    """The frame of allauth's emails, with a text that carries what breaks escaping."""
    return emails.render_rendered(
        to=samples.address(language),
        subject="[IAPT] Confirm your email & sign in",
        text="Hello from the IAPT Platform!\n\nConfirm it's you:\n"
        + samples.link("/account/confirm-email/abc/")
        + "\n\nThanks & see you soon <team>.",
        language=language,
    )


def data_export_ready(language: str) -> emails.RenderedEmail:
    return samples.render(
        "accounts/data_export_ready",
        to=samples.person(language),
        context={
            "url": samples.link("/account/data/download/eyJlIjoxLCJ1IjoxfQ:abc:def/"),
            "expires_at": timezone.now() + dt.timedelta(hours=24),
            "size": 2_345_678,
        },
    )


def closed(language: str) -> emails.RenderedEmail:
    # The account is gone when it is rendered: a bare address, in the language read beforehand.
    return samples.render(
        "accounts/closed",
        to=samples.address(language),
        language=language,
        context={"by_moderator": True, "removed_posts": False},
    )


def register() -> None:
    samples.register("welcome", welcome)
    samples.register("accounts/data_export_ready", data_export_ready)
    samples.register("accounts/closed", closed)
    samples.register("text_as_html", text_as_html, triple=False)
    for prefix, extra in ALLAUTH.items():
        samples.register(prefix, _allauth(prefix, extra), triple=False)
