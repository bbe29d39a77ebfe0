"""The one way the platform sends an email.

An email is a template triple under `templates/emails/`: `<name>_subject.txt`, `<name>_body.txt` and
`<name>_body.html` (the HTML extends `emails/base.html`). It is rendered in the recipient's language and
time zone, its CSS is inlined, and `send` writes it to the outbox (`iapt_platform.outbox`) in the
surrounding transaction: a task sends the row once that transaction commits, and the sweeper sends
it if the task was lost. A rolled-back request leaves no row and sends nothing (`send_now` sends it
at once, and records it as sent).

The recipient's language is decided here, not by callers: a person with an account (given as the
user, or as an address that an active account uses) reads it in the account's language; `language`
only chooses for an address without an account. Subject and text parts are plain text: rendered
with autoescaping off, so that "Michoacán's" never arrives as "Michoacán&#x27;s".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import css_inline
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.template import Context
from django.template.loader import get_template, render_to_string
from django.utils import timezone, translation

_inliner = css_inline.CSSInliner(keep_style_tags=False, load_remote_stylesheets=False)


@dataclass
class RenderedEmail:
    """A message ready to send; plain data, so that it travels to a Celery task as JSON."""

    to: list[str]
    subject: str
    text: str
    html: str
    language: str
    headers: dict[str, str] = field(default_factory=dict)
    attachments: list[tuple[str, str, str]] = field(default_factory=list)  # (name, content, type)
    from_email: str = ""

    def to_message(self, connection=None) -> EmailMultiAlternatives:
        message = EmailMultiAlternatives(
            subject=self.subject,
            body=self.text,
            from_email=self.from_email or settings.DEFAULT_FROM_EMAIL,
            to=self.to,
            headers={"Content-Language": self.language, **self.headers},
            connection=connection,
        )
        message.attach_alternative(self.html, "text/html")
        for name, content, mimetype in self.attachments:
            message.attach(name, content, mimetype)
        return message


def recipient_of(to: Any) -> tuple[str, str, str]:
    """(address, language, time zone) for a user, or for a bare address in the current language."""
    if isinstance(to, str):
        return (
            to,
            translation.get_language() or settings.LANGUAGE_CODE,
            settings.DEFAULT_READER_TIME_ZONE,
        )
    return to.email, to.language, to.time_zone


def account_of(to: Any) -> Any | None:
    """The active account that receives at `to` (a user, or an address), if there is one."""
    if not isinstance(to, str):
        return to
    address = to.strip()
    if not address:
        return None
    return (
        get_user_model()
        .objects.filter(email__iexact=address, is_active=True)
        .only("email", "language", "time_zone")
        .first()
    )


def render(
    *,
    template: str,
    to: Any,
    context: dict[str, Any] | None = None,
    language: str | None = None,
    time_zone: str | None = None,
    headers: dict[str, str] | None = None,
    attachments: list[tuple[str, str, str]] | None = None,
) -> RenderedEmail:
    """Render `emails/<template>_*` for one recipient: a user, or an address.

    An account (the user, or the active account using the address) decides the language;
    `language` is for an address without one. `to=None` renders for no one in particular (a
    bulletin edition, whose language is its own): then `language` is the language."""
    if to is None:
        address, user_language, user_zone = "", settings.LANGUAGE_CODE, "UTC"
        account = None
    else:
        address, user_language, user_zone = recipient_of(to)
        account = account_of(to)
    if account is not None:
        language = account.language or language or user_language
        user_zone = account.time_zone or user_zone
    else:
        language = language or user_language
    with translation.override(language), timezone.override(time_zone or user_zone):
        ctx = {
            "recipient": None if to is None or isinstance(to, str) else to,
            "site_url": settings.SITE_URL,
            "LANGUAGE_CODE": language,
            **(context or {}),
        }
        subject = render_text(f"emails/{template}_subject.txt", ctx)
        text = render_text(f"emails/{template}_body.txt", ctx)
        html = render_to_string(f"emails/{template}_body.html", ctx)
    return RenderedEmail(
        to=[address] if address else [],
        subject=_one_line(subject),
        text=text.strip() + "\n",
        html=_inliner.inline(html),
        language=language,
        headers=headers or {},
        attachments=attachments or [],
    )


def render_text(name: str, context: dict[str, Any]) -> str:
    """A plain-text template (a subject, a text part), with autoescaping off."""
    return get_template(name).template.render(Context(context, autoescape=False))  # type: ignore[attr-defined]


def send(**kwargs: Any) -> None:
    """Render an email (see `render`) and send it once the current transaction commits."""
    queue(render(**kwargs), template=kwargs["template"])


def send_now(**kwargs: Any) -> None:
    """Render an email (see `render`) and hand it to the mail server now, in this process.

    For a task that records the sending in the same transaction (digests): the record commits only
    once the server accepted the message, so a worker killed at any point loses nothing. The
    outbox row is written in that transaction too, already sent."""
    from iapt_platform.outbox import services as outbox  # the outbox imports this module

    outbox.outgoing_send_now(email=render(**kwargs), template=kwargs["template"])


def send_rendered(*, to: str, subject: str, text: str, language: str, html_template=None) -> None:
    """Send a message whose subject and text were rendered elsewhere (allauth's templates)."""
    queue(
        render_rendered(
            to=to, subject=subject, text=text, language=language, html_template=html_template
        )
    )


def render_rendered(
    *, to: str, subject: str, text: str, language: str, html_template=None
) -> RenderedEmail:
    """The message of `send_rendered`: its HTML part is the text inside the platform's email
    frame, with links made clickable."""
    with translation.override(language):
        html = render_to_string(
            html_template or "emails/text_as_html.html",
            {
                "text": text,
                "subject": subject,
                "site_url": settings.SITE_URL,
                "LANGUAGE_CODE": language,
            },
        )
    return RenderedEmail(
        to=[to],
        subject=_one_line(subject),
        text=text.strip() + "\n",
        html=_inliner.inline(html),
        language=language,
    )


def queue(email: RenderedEmail, *, template: str = "") -> None:
    """Write `email` to the outbox in the current transaction; a worker sends it after commit."""
    from iapt_platform.outbox import services as outbox  # the outbox imports this module

    outbox.outgoing_queue(email=email, template=template)


def _one_line(subject: str) -> str:
    return " ".join(subject.split())
