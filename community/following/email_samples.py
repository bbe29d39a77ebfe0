"""Sample email of following: one new thing in what a member follows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def notification(language: str) -> emails.RenderedEmail:
    return samples.render(
        "following/notification",
        to=samples.person(language),
        context={
            "label": _("A success story"),
            "obj": samples.HOSTILE,
            "url": samples.link("/stories/cauca-coffee/"),
            "following_url": samples.link("/community/following/"),
            "frequency_url": samples.link("/community/email/token/"),
        },
    )


def register() -> None:
    samples.register("following/notification", notification)
