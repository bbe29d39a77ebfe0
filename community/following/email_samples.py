"""Sample email of following: one new thing in what a member follows."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


class SampleObject:
    """What an announced object offers a notification: a title and an address."""

    def __init__(self, title: str, path: str) -> None:
        self.title, self.path = title, path

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return self.path


def notification(language: str) -> emails.RenderedEmail:
    return samples.render(
        "following/notification",
        to=samples.person(language),
        context={
            "label": _("A success story"),
            "obj": SampleObject(samples.HOSTILE, "/stories/cauca-coffee/"),
            "frequency_url": samples.link("/community/email/token/"),
        },
    )


def register() -> None:
    samples.register("following/notification", notification)
