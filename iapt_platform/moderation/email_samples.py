"""Sample emails of moderation: a decision on what someone submitted, the daily queue reminder."""

import datetime as dt
from types import SimpleNamespace

from django.utils import timezone

from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails


def moderation_decision(language: str) -> emails.RenderedEmail:
    return samples.render(
        "moderation_decision",
        to=samples.person(language),
        context={
            "title": samples.HOSTILE,
            "kind_label": "Story",
            "decision": "changes_requested",
            "comment": "Add the year & the city, please.\nThanks!",
            "link": samples.link("/stories/proposals/1/"),
        },
    )


def moderation_queue_reminder(language: str) -> emails.RenderedEmail:
    oldest = SimpleNamespace(
        title=samples.HOSTILE, waiting_since=timezone.now() - dt.timedelta(days=4, hours=3)
    )
    return samples.render(
        "moderation_queue_reminder",
        to=samples.person(language),
        context={
            "by_kind": [("Initiative", 3), ("Story proposal", 1)],
            "total": 4,
            "oldest": oldest,
            "queue_url": samples.link("/moderation/"),
        },
    )


def register() -> None:
    samples.register("moderation_decision", moderation_decision)
    samples.register("moderation_queue_reminder", moderation_queue_reminder)
