"""{% follow_button subject %} (or {% follow_button "country" "EC" %}): a follow or unfollow
button for a signed-in member, owned by community and used on the pages of initiatives,
programmes, countries, sectors, library topics and members (their apps do not import this one)."""

from typing import Any

from django import template

from iapt_platform.lib.news import Subject

from .. import selectors

register = template.Library()


@register.inclusion_tag("following/partials/follow_button.html", takes_context=True)
def follow_button(
    context: Any, subject: Any, key: Any = None, label: str = "", following: Any = None
) -> dict:
    """`following` may be given when the page knows it already (the following page's list)."""
    if not isinstance(subject, Subject):
        subject = Subject(str(subject), str(key))
    request = context.get("request")
    user = getattr(request, "user", None)
    signed_in = selectors.can_follow(user)
    return {
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
        "csrf_token": context.get("csrf_token"),
    }
