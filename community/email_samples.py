"""Sample emails of the forum: a notification and a digest."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails
from initiatives.models import Initiative

from .following.email_samples import SampleObject
from .meetings.email_samples import sample_meeting


def notification(language: str) -> emails.RenderedEmail:
    return samples.render(
        "community/notification",
        to=samples.person(language),
        context={
            "kind": "mention",
            "actor_name": "Jorge D'Alessandro",
            "thread_title": samples.HOSTILE,
            "category": SimpleNamespace(name="Financing & funds"),
            "body": "Hello @maria, see [the guide](https://example.org/guide) & tell me.\n\n"
            "- one\n- two\n\n> quoted",
            "excerpt": "Hello @maria, see the guide & tell me.",
            "post_url": samples.link("/community/posts/1/"),
            "frequency_url": samples.link("/community/email/token/"),
        },
    )


def _post_item(author: str, thread_title: str) -> dict:
    return {
        "post": SimpleNamespace(thread=SimpleNamespace(title=thread_title)),
        "author": author,
        "excerpt": "We tried the financing model of the Cauca cluster & it worked <really>.",
        "url": samples.link("/community/posts/1/"),
    }


def digest(language: str) -> emails.RenderedEmail:
    from .digests import DigestContent

    initiative = Initiative(name=samples.HOSTILE, slug="michoacan-avocado", country="MX")
    content = DigestContent(
        threads=[
            {
                "thread": SimpleNamespace(title=samples.HOSTILE),
                "url": samples.link("/community/threads/1/"),
                "posts": [
                    _post_item("Ana O'Brien", samples.HOSTILE),
                    _post_item("Luis", samples.HOSTILE),
                ],
            }
        ],
        mentions=[_post_item("Ana O'Brien", "Financing & funds")],
        initiatives=[initiative],
        resources=[SimpleNamespace(title=samples.HOSTILE, get_absolute_url="/library/r/1/")],
        meetings=[sample_meeting()],
        news=[
            SimpleNamespace(
                label=_("A success story"),
                obj=SampleObject(samples.HOSTILE, "/stories/cauca-coffee/"),
            )
        ],
        more_posts=3,
    )
    start = timezone.now().replace(hour=0, minute=0, second=0, microsecond=0)
    return samples.render(
        "community/digest",
        to=samples.person(language),
        context={
            "kind": "weekly",
            "period_start": start,
            "period_last_day": start + dt.timedelta(days=6),
            "content": content,
            "forum_url": samples.link("/community/"),
            "frequency_url": samples.link("/community/email/token/"),
        },
    )


def register() -> None:
    samples.register("community/notification", notification)
    samples.register("community/digest", digest)
