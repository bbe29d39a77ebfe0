"""Sample emails of the bulletin: the confirmation, the reminder, a meeting announcement and an
edition with a block of every kind (unsaved: rendered from the objects in memory)."""

from types import SimpleNamespace

from community.meetings.email_samples import sample_meeting
from iapt_platform.lib import email_samples as samples
from iapt_platform.lib import emails

from .models import Block, Edition, Issue


def confirm(language: str) -> emails.RenderedEmail:
    return samples.render(
        "newsletter/confirm",
        to=samples.address(language),
        language=language,
        context={
            "subscriber": SimpleNamespace(name="Ana O'Brien"),
            "confirm_url": samples.link("/bulletin/confirm/token/"),
            "max_days": 7,
        },
    )


def already_subscribed(language: str) -> emails.RenderedEmail:
    return samples.render(
        "newsletter/already_subscribed",
        to=samples.address(language),
        language=language,
        context={
            "subscriber": SimpleNamespace(name="Ana O'Brien"),
            "preferences_url": samples.link("/bulletin/preferences/token/"),
        },
    )


def meeting_announcement(language: str) -> emails.RenderedEmail:
    meeting = sample_meeting()
    return samples.render(
        "newsletter/meeting_announcement",
        to=samples.address(language),
        language=language,
        time_zone="UTC",
        context={
            "meeting": meeting,
            "meeting_url": samples.link(meeting.get_absolute_url()),
            "unsubscribe_url": samples.link("/bulletin/unsubscribe/1-abc/"),
        },
    )


def issue(language: str) -> emails.RenderedEmail:
    """An edition with a block of every kind, each with a title, Markdown, an image and a link."""
    from .rendering import render_edition

    bulletin = Issue(number=12)
    edition = Edition(
        issue=bulletin,
        language=language,
        subject=samples.HOSTILE,
        preheader="Financing & training",
    )
    blocks = []
    for order, kind in enumerate(Block.Kind.values):
        text = {
            "title": f"{samples.HOSTILE} ({kind})",
            "body": "A paragraph with **bold**, a [link](https://example.org/a) & a list:\n\n"
            "- first item\n- second item\n\n> A quote from the field.",
            "image_alt": "Farmers packing avocados",
        }
        blocks.append(
            Block(
                issue=bulletin,
                kind=kind,
                order=order,
                content={language: text},
                link_url="https://example.org/more",
                image_url="/media/bulletin/avocados.jpg",
                original_language=(
                    "es" if language != "es" and kind == Block.Kind.CONTRIBUTION else ""
                ),
            )
        )
    rendered = render_edition(edition, blocks)
    return emails.RenderedEmail(
        to=[], subject=rendered.subject, text=rendered.text, html=rendered.html, language=language
    )


def register() -> None:
    samples.register("newsletter/confirm", confirm)
    samples.register("newsletter/already_subscribed", already_subscribed)
    samples.register("newsletter/meeting_announcement", meeting_announcement)
    samples.register("newsletter/issue", issue)
