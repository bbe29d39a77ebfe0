"""An edition as an email and as a web page.

The email of an edition is rendered once per language (subject, HTML with inlined CSS, text from
its own template); the parts that differ per subscriber (their unsubscribe and preference links)
are placeholders replaced by plain string substitution for each message, which is what makes a
large send fast.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from iapt_platform.lib import emails
from iapt_platform.lib.markdown import render_markdown

from . import tokens
from .models import Block, Edition, Issue
from .sources import absolute

# Letters and digits only: they survive escaping, CSS inlining, URLs and header folding as they are.
UNSUBSCRIBE_PLACEHOLDER = "NLXUNSUBSCRIBETOKENX"
PREFERENCES_PLACEHOLDER = "NLXPREFERENCESTOKENX"

LANGUAGE_NAMES = dict(settings.LANGUAGES)


@dataclass
class RenderedEdition:
    language: str
    subject: str
    html: str
    text: str
    # Set for a send's frozen edition: its unsubscribe links name it (results per edition).
    edition_id: int | None = None

    def personalise(self, *, unsubscribe: str, preferences: str) -> tuple[str, str]:
        """(html, text) with one subscriber's tokens in place of the placeholders."""
        html = self.html.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
            PREFERENCES_PLACEHOLDER, preferences
        )
        text = self.text.replace(UNSUBSCRIBE_PLACEHOLDER, unsubscribe).replace(
            PREFERENCES_PLACEHOLDER, preferences
        )
        return html, text


def block_context(block: Block, language: str) -> dict[str, Any]:
    text = block.text(language)
    original = block.original_language
    with translation.override(language):
        kind_label = str(Block.Kind(block.kind).label)
        language_note = ""
        if original and original != language:
            from django.utils.translation import gettext as _

            # The language named in the reader's language ("espanhol"), not in its own.
            try:
                name = translation.get_language_info(original)["name_translated"]
            except KeyError:
                name = LANGUAGE_NAMES.get(original, original)
            language_note = _("Text in %(language)s, as written by its author.") % {
                "language": name
            }
    return {
        "kind": block.kind,
        "kind_label": kind_label,
        "title": text["title"],
        "body_markdown": text["body"],
        "body": render_markdown(text["body"]),
        "link_url": absolute(block.link_url) if block.link_url else "",
        "image_url": absolute(block.image_url) if block.image_url else "",
        "image_alt": text["image_alt"] or text["title"],
        "language_note": language_note,
    }


def edition_context(edition: Edition, blocks: list[Block]) -> dict[str, Any]:
    issue = edition.issue
    language = edition.language
    return {
        "issue": issue,
        "edition": edition,
        "blocks": [block_context(b, language) for b in blocks if _has_text(b, language)],
        "web_url": settings.SITE_URL + reverse("newsletter:issue", args=[issue.number, language]),
        "archive_url": settings.SITE_URL + reverse("newsletter:archive", args=[language]),
    }


def _has_text(block: Block, language: str) -> bool:
    text = block.text(language)
    return bool(text["title"] or text["body"])


def render_edition(
    edition: Edition,
    blocks: list[Block] | None = None,
    *,
    unsubscribe: str = UNSUBSCRIBE_PLACEHOLDER,
    preferences: str = PREFERENCES_PLACEHOLDER,
    for_send: bool = False,
) -> RenderedEdition:
    """The email of one edition, with placeholders (or the given tokens) for personal links.
    `for_send`: the unsubscribe link names the edition, so that leaving counts for it."""
    if blocks is None:
        blocks = list(edition.issue.blocks.all())
    # Every address in the email (the web version, the blocks' pages, personal links) is the
    # page in the edition's language, whatever language the worker has active.
    with translation.override(edition.language):
        context = edition_context(edition, blocks)
        context["preferences_url"] = settings.SITE_URL + reverse(
            "newsletter:preferences", args=[preferences]
        )
    context["unsubscribe_url"] = settings.SITE_URL + unsubscribe_path(
        unsubscribe, edition.pk if for_send else None, language=edition.language
    )
    rendered = emails.render(
        template="newsletter/issue",
        to=None,  # one rendering for every subscriber of the edition: each message gets its address
        language=edition.language,
        time_zone="UTC",
        context=context,
    )
    return RenderedEdition(
        language=edition.language,
        subject=rendered.subject,
        html=short_lines(rendered.html),
        text=short_lines(rendered.text),
        edition_id=edition.pk if for_send else None,
    )


def unsubscribe_path(token: str, edition_id: int | None = None, *, language: str) -> str:
    """The unsubscribe page at the address of the edition's language (whatever language the
    worker has active), naming the edition when the send froze one."""
    with translation.override(language):
        path = reverse("newsletter:unsubscribe", args=[token])
    return f"{path}?e={edition_id}" if edition_id else path


LINE_LIMIT = 900  # bytes; SMTP allows 998, and a longer line forces quoted-printable on the body


def short_lines(text: str) -> str:
    """`text` with no line longer than LINE_LIMIT bytes, broken at spaces (where HTML and plain
    text read the same), else between two tags. Keeping the bodies 8bit lets the sender
    substitute each subscriber's links in the message bytes (see transport.MessageTemplate)."""
    lines = []
    for line in text.split("\n"):
        while len(line.encode()) > LINE_LIMIT:
            head = line.encode()[:LINE_LIMIT].decode(errors="ignore")
            cut = head.rfind(" ")
            if cut <= 0:
                cut = head.rfind("><") + 1
            if cut <= 0:
                break  # one unbreakable run: left as it is (the body becomes quoted-printable)
            lines.append(line[:cut])
            line = line[cut:].lstrip(" ") if line[cut] == " " else line[cut:]
        lines.append(line)
    return "\n".join(lines)


def freeze_editions(issue: Issue) -> dict[str, RenderedEdition]:
    """Render every edition once and store it, so that later edits cannot change a running send.
    Its links are counted from here on (once per edition, not per message)."""
    from . import links  # it builds on this module

    blocks = list(issue.blocks.all())
    rendered = {}
    for edition in issue.editions.all():
        result = links.track(edition.pk, render_edition(edition, blocks, for_send=True))
        edition.rendered_subject = result.subject
        edition.rendered_html = result.html
        edition.rendered_text = result.text
        edition.save(update_fields=["rendered_subject", "rendered_html", "rendered_text"])
        rendered[edition.language] = result
    return rendered


def frozen_editions(issue_id: int) -> dict[str, RenderedEdition]:
    return {
        e.language: RenderedEdition(
            language=e.language,
            subject=e.rendered_subject,
            html=e.rendered_html,
            text=e.rendered_text,
            edition_id=e.pk,
        )
        for e in Edition.objects.filter(issue_id=issue_id).only(
            "language", "rendered_subject", "rendered_html", "rendered_text"
        )
    }


def personal_tokens(subscriber_id: int) -> tuple[str, str]:
    return (
        tokens.unsubscribe_token(subscriber_id),
        tokens.preferences_token(subscriber_id=subscriber_id),
    )
