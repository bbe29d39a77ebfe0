""" "Fill from the platform": where the blocks of a new issue come from.

The bulletin reads every app and nothing reads the bulletin, so each source is a function here
that reads its app through that app's selectors, imported at the top like any other dependency,
and turns what was published since the last issue into blocks.

A source is `fn(*, since, languages) -> list[SourceBlock]`; `content` holds the block's text per
language, Markdown bodies with absolute links (they end up in emails).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from community.meetings import selectors as meeting_selectors
from initiatives.models import Initiative
from initiatives.stories import selectors as story_selectors
from library import selectors as library_selectors

from .models import Contribution

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


def _per_language(languages: list[str], build: Callable[[str], dict[str, str]]) -> dict:
    content = {}
    for language in languages:
        with translation.override(language):
            content[language] = build(language)
    return content


def _published_since(qs: QuerySet, since: datetime) -> list[Any]:
    return list(qs.filter(published_at__gt=since).order_by("-published_at", "pk")[:MAX_ITEMS])


@dataclass(frozen=True)
class ListSource:
    """A source that lists what is new in one block, a Markdown line per item."""

    kind: str  # a Block.Kind value
    source_key: str
    link: str  # the name of the page with the whole list
    title: Promise
    intro: Promise | None = None

    def blocks(
        self, items: list[Any], line: Callable[[Any, str], str], languages: list[str]
    ) -> list[SourceBlock]:
        """The block in each language (`line(item, language)`), or none when nothing is new."""
        if not items:
            return []

        def build(language: str) -> dict[str, str]:
            lines = "\n".join(line(item, language) for item in items)
            body = f"{self.intro}\n\n{lines}" if self.intro else lines
            return {"title": str(self.title), "body": body, "image_alt": ""}

        content = _per_language(languages, build)
        link_url = absolute(reverse(self.link))
        return [SourceBlock(self.kind, self.source_key, content, link_url=link_url)]


# --- Registry (initiatives) ------------------------------------------------------------------
NEW_INITIATIVES = ListSource(
    "initiatives",
    "initiatives:new",
    "initiatives:list",
    _("New in the registry"),
    _("Initiatives that joined the registry since the last bulletin:"),
)


def new_initiatives(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    initiatives = _published_since(Initiative.objects.published(), since)
    return NEW_INITIATIVES.blocks(initiatives, _initiative_line, languages)


def _initiative_line(initiative: Initiative, language: str) -> str:
    place = str(initiative.country.name)
    if initiative.city:
        place = f"{initiative.city}, {place}"
    url = absolute(initiative.get_absolute_url())
    return f"- [{md_escape(initiative.name)}]({url}) · {md_escape(place)}"


# --- Success stories (initiatives.stories) ---------------------------------------------------
def featured_stories(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block per story published since the last issue (at most three)."""
    stories = list(story_selectors.story_list_public().filter(published_at__gt=since)[:3])
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
NEW_RESOURCES = ListSource("resources", "library:new", "library:index", _("New in the library"))


def new_resources(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block listing the resources published since the last issue."""
    resources = _published_since(library_selectors.resource_list_public(), since)
    return NEW_RESOURCES.blocks(resources, _resource_line, languages)


def _resource_line(resource: Any, language: str) -> str:
    # A resource keeps the language it was written in: its title is not translated.
    title = md_escape(_text_in(resource, "title", language))
    return f"- [{title}]({absolute(resource.get_absolute_url())})"


# --- Meetings (community.meetings) -----------------------------------------------------------
UPCOMING_MEETINGS = ListSource(
    "meetings", "meetings:upcoming", "meetings:calendar", _("Upcoming meetings")
)


def upcoming_meetings(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    """One block listing the next meetings (whatever their publication date)."""
    meetings = list(meeting_selectors.meeting_upcoming(limit=MAX_ITEMS))
    return UPCOMING_MEETINGS.blocks(meetings, _meeting_line, languages)


def _meeting_line(meeting: Any, language: str) -> str:
    # A bulletin goes to many zones: times are given in UTC and say so.
    when = date_format(timezone.localtime(meeting.starts_at, UTC), "DATETIME_FORMAT")
    title = md_escape(_text_in(meeting, "title", language))
    return f"- **{md_escape(when)} UTC** · [{title}]({absolute(meeting.get_absolute_url())})"


# --- Member contributions (this app) ---------------------------------------------------------
def accepted_contributions(*, since: datetime, languages: list[str]) -> list[SourceBlock]:
    contributions = Contribution.objects.filter(
        status=Contribution.Status.ACCEPTED, used_in=None
    ).select_related("initiative")
    return [contribution_block(c, languages=languages) for c in contributions]


def contribution_block(contribution: Any, *, languages: list[str]) -> SourceBlock:
    """Member content keeps its own language: the same text in every edition, marked as such."""
    kind = {"call": "call", "news": "news"}.get(contribution.kind, "contribution")
    body = contribution.body
    if contribution.event_date:
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
