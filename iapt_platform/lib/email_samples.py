"""Every email the platform sends, with sample data: one entry per email, for the staff preview
page (`/outbox/previews/`) and the accessibility test (`tests/test_email_accessibility.py`).

A sample is a function of the language that returns the rendered email (`emails.RenderedEmail`).
It builds its objects without saving them: the preview page runs on the live site. Each app
registers its emails in its `AppConfig.ready()` (from its `email_samples.py`), so this module
imports no app. A template triple under `templates/emails/` without a sample fails
`tests/test_email_accessibility.py`.

The sample data is hostile on purpose: names with an apostrophe, an ampersand and angle brackets
show escaping mistakes in subjects and text parts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model

from . import emails

# Names with what breaks escaping and layout: an apostrophe, an ampersand, angle brackets.
HOSTILE = "Michoacán's Avocado & Co <Norte>"

Render = Callable[[str], emails.RenderedEmail]


@dataclass(frozen=True)
class Sample:
    name: str  # the template's name under emails/ ("newsletter/confirm"), or another key
    render: Render
    # True for a template triple under templates/emails/; False for the frames that are not one
    # (allauth's messages in the platform's frame).
    triple: bool = True


_samples: dict[str, Sample] = {}


def register(name: str, render: Render, *, triple: bool = True) -> None:
    _samples[name] = Sample(name=name, render=render, triple=triple)


def samples() -> dict[str, Sample]:
    """Every registered sample, by name."""
    return dict(sorted(_samples.items()))


def renderers(*, triple: bool) -> dict[str, Render]:
    return {name: s.render for name, s in samples().items() if s.triple == triple}


# --- Helpers for the samples -------------------------------------------------------------------
def person(language: str, **extra: Any) -> Any:
    """A member with an account, unsaved: the account decides the email's language."""
    fields = {
        "email": f"maria.{language}@example.net",
        "display_name": "María José O'Neill",
        "language": language,
        "time_zone": "America/Bogota",
        **extra,
    }
    return get_user_model()(**fields)


def address(language: str) -> str:
    """An address with no account: the sender's choice of language applies."""
    return f"no-account-{language}@example.net"


def link(path: str) -> str:
    return settings.SITE_URL + path


def render(
    template: str, *, to: Any, context: dict[str, Any], **kwargs: Any
) -> emails.RenderedEmail:
    return emails.render(template=template, to=to, context=context, **kwargs)
