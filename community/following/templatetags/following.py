"""{% follow_button subject %} (or {% follow_button "country" "EC" %}): a follow or unfollow
button for a signed-in member, owned by community and used on the pages of initiatives,
programmes, countries, sectors, library topics and members (their apps do not import this one).

On a page kept once for all members (iapt_platform.lib.pagecache) the button is a hole, filled on
each hit with the reader's own state and token (`fill_follow_hole`, registered in apps.py)."""

from typing import Any

from django import template
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from iapt_platform.lib.news import Subject
from iapt_platform.lib.pagecache import reader_hole

from .. import selectors

register = template.Library()
TEMPLATE = "following/partials/follow_button.html"


def _render(request: HttpRequest | None, subject: Subject, label: str, following: Any, csrf) -> str:
    user = getattr(request, "user", None)
    signed_in = selectors.can_follow(user)
    return render_to_string(
        TEMPLATE,
        {
            "subject": subject,
            "label": label,
            "signed_in": signed_in,
            "following": signed_in
            and (
                bool(following)
                if following is not None
                else selectors.is_following(user=user, subject=subject)
            ),
            "next": request.get_full_path() if request is not None else "",
            "csrf_token": csrf,
        },
    )


@register.simple_tag(takes_context=True)
def follow_button(
    context: Any, subject: Any, key: Any = None, label: str = "", following: Any = None
) -> SafeString:
    """`following` may be given when the page knows it already (the following page's list)."""
    if not isinstance(subject, Subject):
        subject = Subject(str(subject), str(key))
    request = context.get("request")
    csrf = context.get("csrf_token")
    return mark_safe(  # noqa: S308 - a template's own output
        reader_hole(
            request,
            "follow",
            [subject.kind, subject.key, str(label)],
            lambda: _render(request, subject, label, following, csrf),
        )
    )


def fill_follow_hole(request: HttpRequest, value: list[str]) -> str:
    kind, key, label = value
    return _render(request, Subject(kind, key), label, None, get_token(request))
