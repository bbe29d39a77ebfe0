""" "Fill from the platform": where the blocks of a new issue come from.

The bulletin reads every app and nothing reads the bulletin, so each source is a function here
that imports its app's selectors lazily and turns what was published since the last issue into
blocks. A source whose app does not (yet) expose the selector it needs returns no blocks, so the
builder keeps working while that app is being built.

A source is `fn(*, since, languages) -> list[SourceBlock]`; `content` holds the block's text per
language, Markdown bodies with absolute links (they end up in emails).
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)

MAX_ITEMS = 12  # per list block: a bulletin is a digest, the site has the rest


@dataclass
class SourceBlock:
    kind: str  # a Block.Kind value
    source_key: str  # "<source>:<key>", unique within an issue
    content: dict[str, dict[str, str]]  # language -> {"title", "body", "image_alt"}
    link_url: str = ""
    image_url: str = ""
    original_language: str = ""
    extra: dict[str, Any] = field(default_factory=dict)  # e.g. {"contribution_id": 3}


Source = Callable[..., list[SourceBlock]]


def absolute(url: str) -> str:
    return settings.SITE_URL + url if url.startswith("/") else url


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]()#+!|<>])")


def md_escape(text: str) -> str:
    """Text that Markdown shows as typed (names with brackets or stars stay names)."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text or "")


def _selector(module: str, *names: str) -> Callable[..., Any] | None:
    """The first of `names` that `module` defines, or None when the app has none (yet)."""
    try:
        loaded = importlib.import_module(module)
    except ImportError:
        return None
    for name in names:
        fn = getattr(loaded, name, None)
        if callable(fn):
            return fn
    return None


def _per_language(languages: list[str], build: Callable[[str], dict[str, str]]) -> dict:
    content = {}
    for language in languages:
        with translation.override(language):
            content[language] = build(language)
    return content


# --- Registry (initiatives) ------------------------------------------------------------------
def new_initiatives(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    from initiatives.models import Initiative

    initiatives = list(
        Initiative.objects.published()
        .filter(published_at__gt=since)
        .order_by("-published_at", "pk")[:MAX_ITEMS]
    )
    if not initiatives:
        return []

    def build(language: str) -> dict[str, str]:
        lines = []
        for initiative in initiatives:
            place = str(initiative.country.name)
            if initiative.city:
                place = f"{initiative.city}, {place}"
            url = absolute(initiative.get_absolute_url())
            lines.append(f"- [{md_escape(initiative.name)}]({url}) · {md_escape(place)}")
        return {
            "title": _("New in the registry"),
            "body": _("Initiatives that joined the registry since the last bulletin:")
            + "\n\n"
            + "\n".join(lines),
            "image_alt": "",
        }

    from django.urls import reverse

    return [
        SourceBlock(
            kind="initiatives",
            source_key="initiatives:new",
            content=_per_language(languages, build),
            link_url=absolute(reverse("initiatives:list")),
        )
    ]


# --- Success stories (initiatives.stories) ---------------------------------------------------
def featured_stories(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block per story published since the last issue (at most three)."""
    select = _selector("initiatives.stories.selectors", "story_list_public")
    if select is None:
        return []
    stories = list(select().filter(published_at__gt=since)[:3])
    blocks = []
    for story in stories:

        def build(language: str, story: Any = story) -> dict[str, str]:
            reading = story.reading(language)  # falls back to the language it was written in
            return {
                "title": reading.title,
                "body": md_escape(reading.summary),
                "image_alt": reading.hero_alt or reading.title,
            }

        image = getattr(story, "hero_image", None)
        blocks.append(
            SourceBlock(
                kind="featured_story",
                source_key=f"stories:{story.pk}",
                content=_per_language(languages, build),
                link_url=absolute(story.get_absolute_url()),
                image_url=image.url if image else "",
            )
        )
    return blocks


# --- Resource library ------------------------------------------------------------------------
def new_resources(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block listing the resources published since the last issue."""
    select = _selector("library.selectors", "resource_list_public")
    if select is None:
        return []
    resources = list(
        select().filter(published_at__gt=since).order_by("-published_at", "pk")[:MAX_ITEMS]
    )
    if not resources:
        return []

    def build(language: str) -> dict[str, str]:
        # A resource keeps the language it was written in: its title is not translated.
        lines = [
            f"- [{md_escape(_text_in(r, 'title', language))}]({absolute(r.get_absolute_url())})"
            for r in resources
        ]
        return {
            "title": _("New in the library"),
            "body": "\n".join(lines),
            "image_alt": "",
        }

    from django.urls import reverse

    return [
        SourceBlock(
            kind="resources",
            source_key="library:new",
            content=_per_language(languages, build),
            link_url=absolute(reverse("library:index")),
        )
    ]


# --- Meetings (community.meetings) -----------------------------------------------------------
def upcoming_meetings(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block listing the next meetings (whatever their publication date)."""
    select = _selector("community.meetings.selectors", "meeting_upcoming")
    if select is None:
        return []
    meetings = list(select(limit=MAX_ITEMS))
    if not meetings:
        return []

    def build(language: str) -> dict[str, str]:
        from django.utils.formats import date_format

        lines = []
        for meeting in meetings:
            # A bulletin goes to many zones: times are given in UTC and say so.
            when = date_format(timezone.localtime(meeting.starts_at, UTC), "DATETIME_FORMAT")
            title = md_escape(_text_in(meeting, "title", language))
            url = absolute(meeting.get_absolute_url())
            lines.append(f"- **{md_escape(when)} UTC** · [{title}]({url})")
        return {"title": _("Upcoming meetings"), "body": "\n".join(lines), "image_alt": ""}

    return [
        SourceBlock(
            kind="meetings",
            source_key="meetings:upcoming",
            content=_per_language(languages, build),
            link_url=absolute(_url_or_blank("meetings:calendar")),
        )
    ]


# --- Member contributions (this app) ---------------------------------------------------------
def accepted_contributions(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    from .models import Contribution

    contributions = Contribution.objects.filter(
        status=Contribution.Status.ACCEPTED, used_in=None
    ).select_related("initiative")
    return [contribution_block(c, languages=languages) for c in contributions]


def contribution_block(contribution: Any, *, languages: list[str]) -> SourceBlock:
    """Member content keeps its own language: the same text in every edition, marked as such."""
    kind = {"call": "call", "news": "news"}.get(contribution.kind, "contribution")
    body = contribution.body
    if contribution.event_date:
        from django.utils.formats import date_format

        with translation.override(contribution.language):
            body = f"**{date_format(contribution.event_date, 'DATE_FORMAT')}**\n\n{body}"
    text = {"title": contribution.title, "body": body, "image_alt": ""}
    link = contribution.link_url or (
        absolute(contribution.initiative.get_absolute_url()) if contribution.initiative else ""
    )
    return SourceBlock(
        kind=kind,
        source_key=f"contribution:{contribution.pk}",
        content={contribution.language: text},
        link_url=link,
        original_language=contribution.language,
        extra={"contribution_id": contribution.pk},
    )


def _text_in(obj: Any, name: str, language: str) -> str:
    """obj.<name>_<lang> (modeltranslation) when it exists and is filled, else obj.<name>."""
    suffix = language.replace("-", "_")
    value = getattr(obj, f"{name}_{suffix}", None) or getattr(obj, name, "")
    return str(value or "")


def _url_or_blank(name: str) -> str:
    from django.urls import NoReverseMatch, reverse

    try:
        return reverse(name)
    except NoReverseMatch:
        return ""


# The order here is the order of the blocks that "fill" adds.
SOURCES: list[tuple[str, Source]] = [
    ("stories", featured_stories),
    ("initiatives", new_initiatives),
    ("contributions", accepted_contributions),
    ("meetings", upcoming_meetings),
    ("library", new_resources),
]


def collect(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """Every source's blocks. A source that fails is logged and skipped: the others still fill."""
    blocks: list[SourceBlock] = []
    for name, source in SOURCES:
        try:
            blocks.extend(source(since=since, languages=languages))
        except Exception:
            logger.exception("Bulletin source %s failed", name)
    return blocks
