"""How one initiative scores another as a partner, and why, in plain terms.

For initiative I (mine) and another J (theirs), counting only published, unexpired posts:

    +3  per (kind, topic) that I seek and J offers
    +3  per (kind, topic) that J seeks and I offer
        (no such match: J is not suggested at all)
    +1  per sector the two initiatives share
    +1  if J's country is among the countries of interest of my posts
    +1  if J is in another country (regional integration), -2 if it is in mine

Each point comes with a reason, kept as a small dict so that it is put into words in the reader's
language when shown.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django_countries import countries

MATCH_POINTS = 3
SECTOR_POINTS = 1
INTEREST_POINTS = 1
ABROAD_POINTS = 1
SAME_COUNTRY_POINTS = -2


@dataclass
class PostFacts:
    """A live post reduced to what scoring needs."""

    id: int
    direction: str  # "offer" or "need"
    kind: str
    topic_ids: set[int]
    expires_at: datetime
    countries: set[str] = field(default_factory=set)

    def pairs(self) -> set[tuple[str, int]]:
        return {(self.kind, topic) for topic in self.topic_ids}


@dataclass
class InitiativeFacts:
    id: int
    country: str
    sector_ids: set[int]
    posts: list[PostFacts]

    def pairs(self, direction: str) -> dict[tuple[str, int], list[PostFacts]]:
        found: dict[tuple[str, int], list[PostFacts]] = {}
        for post in self.posts:
            if post.direction == direction:
                for pair in post.pairs():
                    found.setdefault(pair, []).append(post)
        return found

    @property
    def countries_of_interest(self) -> set[str]:
        return set().union(*(p.countries for p in self.posts)) if self.posts else set()


@dataclass
class Scored:
    other_id: int
    score: int
    reasons: list[dict[str, Any]]
    valid_until: datetime


def score(mine: InitiativeFacts, theirs: InitiativeFacts) -> Scored | None:
    """The score of `theirs` as a partner for `mine`, or None when nothing complements."""
    reasons: list[dict[str, Any]] = []
    points = 0
    behind: list[PostFacts] = []  # the posts the matches rest on
    for mine_dir, their_dir, reason in (("need", "offer", "offers"), ("offer", "need", "seeks")):
        my_pairs, their_pairs = mine.pairs(mine_dir), theirs.pairs(their_dir)
        for kind, topic in sorted(set(my_pairs) & set(their_pairs)):
            points += MATCH_POINTS
            reasons.append({"r": reason, "kind": kind, "topic": topic})
            behind += my_pairs[(kind, topic)] + their_pairs[(kind, topic)]
    if not behind:
        return None
    for sector in sorted(mine.sector_ids & theirs.sector_ids):
        points += SECTOR_POINTS
        reasons.append({"r": "sector", "sector": sector})
    if theirs.country != mine.country:
        points += ABROAD_POINTS
        interest = theirs.country in mine.countries_of_interest
        points += INTEREST_POINTS if interest else 0
        reasons.append({"r": "abroad", "country": theirs.country, "interest": interest})
    else:
        points += SAME_COUNTRY_POINTS
        reasons.append({"r": "same_country", "country": theirs.country})
    # The row stays valid while every post it rests on does (the task recomputes it after that).
    valid_until = min(p.expires_at for p in behind)
    return Scored(other_id=theirs.id, score=points, reasons=reasons, valid_until=valid_until)


def _lower_first(label: Any) -> str:
    """ "Data and AI" -> "data and AI": a label inside a sentence, acronyms kept."""
    text = str(label)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


def what(kind_label: Any, topic_name: Any) -> str:
    # Translators reorder freely: "formación en ciberseguridad".
    return pgettext("collaboration: topic then kind", "%(topic)s %(kind)s") % {
        "topic": _lower_first(topic_name),
        "kind": _lower_first(kind_label),
    }


def reasons_in_words(
    reasons: list[dict[str, Any]], *, topics: dict[int, Any], sectors: dict[int, Any]
) -> list[str]:
    """The reasons as short phrases in the active language; unknown ids are skipped."""
    from .models import Kind

    kinds = dict(Kind.choices)
    words = []
    for reason in reasons:
        r = reason.get("r")
        if r in ("offers", "seeks"):
            topic = topics.get(reason["topic"])
            if topic is None:
                continue
            phrase = what(kinds.get(reason["kind"], reason["kind"]), topic.name)
            if r == "offers":
                words.append(_("offers %(what)s, which you seek") % {"what": phrase})
            else:
                words.append(_("seeks %(what)s, which you offer") % {"what": phrase})
        elif r == "sector" and reason["sector"] in sectors:
            words.append(
                _("%(sector)s like you") % {"sector": _lower_first(sectors[reason["sector"]].name)}
            )
        elif r == "abroad":
            name = countries.name(reason["country"]) or reason["country"]
            if reason.get("interest"):
                words.append(_("%(country)s, a country you look to") % {"country": name})
            else:
                words.append(str(name))
        elif r == "same_country":
            name = countries.name(reason["country"]) or reason["country"]
            words.append(_("also in %(country)s") % {"country": name})
    return words
