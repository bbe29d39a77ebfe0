"""Sample email of moderation: a decision on what someone submitted."""

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


def register() -> None:
    samples.register("moderation_decision", moderation_decision)
