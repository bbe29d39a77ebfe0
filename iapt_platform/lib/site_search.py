"""One search across the platform: the box in every page's header, `/search/` and `/api/search/`.

Each app registers, in its AppConfig.ready(), a provider for each kind of thing it holds, so the
platform imports none of them (as lib/sitemaps.py and lib/sections.py do):

    site_search.register(
        "stories",
        label=_("Stories"),
        find=find_stories,  # (Ask) -> Found
        list_url=lambda query: reverse("stories:list"),
        order=20,
    )

A provider answers one question: of its kind, how many match `ask.query` for `ask.user`, and
which are the first `ask.limit` (after `ask.offset`), best first, as `Hit`s. It applies its own
visibility rules (published, not a draft, a private category only to its members): the search
shows exactly what the provider returns. `matching(qs, ask)` filters and ranks a queryset with a
`search_document`/`search_vector` (lib/search.py), and `found(qs, ask, order=, load=, to_hit=)`
counts it and turns its page into hits. Text is the reader's language where the thing has one (`in_language`),
else its own, with `language` saying which.

The merged list ranks each kind's best hits together by one score computed here from the words
(title words first), so kinds whose database ranks use different weights still compare; within a
kind, the provider's own order (PostgreSQL's rank) decides which hits are its best. A provider
whose answer is the same for everyone may name its content's version (`version=`, a
CacheVersion's `get`): its answer is then kept in the cache until that version changes. One
whose answer depends on the reader may name both the version and its `audience=`: a function
that puts a reader in a group of readers who all get the same answer (kept under the group's
name and the version), or answers None for a reader whose answer is their own (never kept).
"""

from __future__ import annotations

import functools
import hashlib
import math
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.db.models import QuerySet
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from . import search
from .cache import versions_read_together

PAGE_SIZE = 20
MOST_PAGES = 10  # of the merged list: past 200 results, narrowing to a kind says more
SNIPPET_LENGTH = 220
CACHE_SECONDS = 600
# Matches of one kind are counted up to search.COUNT_CAP ("1000+"); past it the kind is listed by
# date or name (from an index), not ranked by relevance.


@dataclass(frozen=True)
class Ask:
    query: str
    terms: tuple[str, ...]
    user: Any
    language: str
    limit: int
    offset: int = 0


@dataclass(frozen=True)
class Hit:
    kind: str
    title: str
    url: str
    text: str = ""  # plain text the snippet is cut from
    date: datetime | None = None
    language: str = ""  # the language of title and text when it is not the reader's
    detail: str = ""  # one short line: a country, a category, a kind of resource
    score: float = 0.0  # set by the merge (see `score`)


@dataclass(frozen=True)
class Found:
    count: int
    hits: list[Hit] = field(default_factory=list)
    more: bool = False  # `count` is a lower bound: counting stopped at search.COUNT_CAP


@dataclass(frozen=True)
class Kind:
    key: str
    label: Any  # a lazy translation
    find: Callable[[Ask], Found | Listing]
    list_url: Callable[
        [str], str
    ]  # the kind's own list (its filters), with the query if it takes one
    order: int
    version: Callable[[], object] | None  # set only when every reader gets the same answer
    rebuild: Callable[[], int] | None  # rewrites every search document of the kind (a command)
    members_only: bool = False  # visitors find none (the forum's): one answer for all of them
    # With `version`: the group of readers `user` gets the same answer as, None when their own.
    audience: Callable[[Any], str | None] | None = None


_kinds: dict[str, Kind] = {}


def register(
    key: str,
    *,
    label: Any,
    find: Callable[[Ask], Found | Listing],
    list_url: Callable[[str], str],
    order: int = 100,
    version: Callable[[], object] | None = None,
    rebuild: Callable[[], int] | None = None,
    members_only: bool = False,
    audience: Callable[[Any], str | None] | None = None,
) -> None:
    _kinds[key] = Kind(key, label, find, list_url, order, version, rebuild, members_only, audience)


def visitors_version() -> str | None:
    """The version of what the search shows a visitor (not signed in): every kind's version (a
    kind only members find shows visitors nothing); None when a kind has none, so that the page
    is never kept (lib/pagecache.py)."""
    parts = []
    for each in kinds():
        if each.members_only:
            continue
        if each.version is None:
            return None
        parts.append(str(each.version()))
    return "-".join(parts)


def versions(*gets: Callable[[], object]) -> Callable[[], str]:
    """One version of several (a kind whose hits show another app's content, such as a story's
    initiative): the answer kept under it is read again when any of them changes."""
    return lambda: "-".join(str(get()) for get in gets)


def each_refreshed(rows: Iterable[Any], refresh: Callable[[Any], None]) -> int:
    """Run `refresh` on every row (a rebuild), returning how many."""
    n = 0
    for row in rows:
        refresh(row)
        n += 1
    return n


def unregister(key: str) -> None:
    _kinds.pop(key, None)


def kinds() -> list[Kind]:
    return sorted(_kinds.values(), key=lambda kind: (kind.order, kind.key))


def kind(key: str) -> Kind | None:
    return _kinds.get(key)


# --- Helpers for providers ------------------------------------------------------------------------


def matching(qs: QuerySet, ask: Ask) -> QuerySet:
    """`qs` (a model with search_document and search_vector) filtered by the words, with `rank`."""
    return search.search(qs, ask.query)


@dataclass(frozen=True)
class Listing:
    """A kind's matches to count and list (what `found` answers): the search counts and lists
    every kind's together, in one statement on PostgreSQL, then loads each kind's page."""

    qs: QuerySet
    ask: Ask
    order: list[Any]
    load: Callable[[list[int]], Iterable[Any]]
    to_hit: Callable[[Any], Hit]
    broad_order: list[Any] | None = None
    counted: QuerySet | None = None

    def counting(self) -> QuerySet:
        """The first COUNT_CAP + 1 matches (of the narrow rows when there are some)."""
        return (
            (self.qs if self.counted is None else self.counted)
            .order_by()
            .values("pk")[: search.COUNT_CAP + 1]
        )

    def page_ids(self, *, more: bool) -> QuerySet:
        """The ids of the asked page: ranked (up to the cap, every match), or past the cap in the
        broad order (from an index), else ranked among the first COUNT_CAP + 1 matches."""
        window = slice(self.ask.offset, self.ask.offset + self.ask.limit)
        if more and self.broad_order is not None:
            return self.qs.order_by(*self.broad_order).values_list("pk", flat=True)[window]
        qs = self.qs.filter(pk__in=self.counting()) if more else self.qs
        return qs.order_by(*self.order).values_list("pk", flat=True)[window]

    def answer(self, count: int, more: bool, ids: list[int]) -> Found:
        rows = {row.pk: row for row in self.load(ids)} if ids else {}
        return Found(count, [self.to_hit(rows[pk]) for pk in ids if pk in rows], more)


def found(
    qs: QuerySet,
    ask: Ask,
    *,
    order: list[Any],
    load: Callable[[list[int]], Iterable[Any]],
    to_hit: Callable[[Any], Hit],
    broad_order: list[Any] | None = None,
    counted: QuerySet | None = None,
) -> Listing:
    """The matches of `qs` (from `matching`) to count, and the asked page of them as hits.

    `counted`, when given, is counted instead of `qs`: the same rows in a narrow table (a search
    listing), so that counting up to the cap reads no wide rows.

    The page's ids are read first (the rank is computed for the order, and no wide row is sorted),
    then `load(ids)` fetches those rows with what their hits show. Past search.COUNT_CAP matches a word
    most rows share says little, and ranking every match costs a score each: `broad_order`
    (by date or name, from an index) lists them instead, as the registry's directory does."""
    return Listing(qs, ask, order, load, to_hit, broad_order, counted)


def _listed(listings: dict[str, Listing]) -> dict[str, Found]:
    """Every listing's count and page: on PostgreSQL every count and every page's ids in one
    statement (a page's order chosen by its count in the statement), then each page's rows."""
    if not listings:
        return {}
    if not search.is_postgres():
        answers = {}
        for key, listing in listings.items():
            n = listing.counting().count()
            more = n > search.COUNT_CAP
            ids = list(listing.page_ids(more=more)) if listing.ask.limit > 0 and n else []
            answers[key] = listing.answer(min(n, search.COUNT_CAP), more, ids)
        return answers
    counts, pages, count_params, page_params = [], [], [], []
    for i, listing in enumerate(listings.values()):
        sql, params = _sql(listing.counting())
        counts.append(f"(SELECT COUNT(*) FROM ({sql}) AS counted) AS n{i}")  # noqa: S608
        count_params += params
        if listing.ask.limit <= 0:
            pages.append(f"n{i}, NULL")
            continue
        within, params = _sql(listing.page_ids(more=False))
        past, past_params = _sql(listing.page_ids(more=True))
        # Uncorrelated, each branch is run only when chosen (none for a kind without matches).
        pages.append(
            f"n{i}, CASE WHEN n{i} = 0 THEN NULL WHEN n{i} > %s THEN ARRAY({past}) "
            f"ELSE ARRAY({within}) END"
        )
        page_params += [search.COUNT_CAP, *past_params, *params]
    # The statements are the ORM's, their values parameters; OFFSET 0 keeps the counts from
    # being folded into the outer select (each would then be run once per use).
    statement = f"SELECT {', '.join(pages)} FROM (SELECT {', '.join(counts)} OFFSET 0) AS counts"  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(statement, [*page_params, *count_params])
        row = cursor.fetchone()
    answers = {}
    for i, (key, listing) in enumerate(listings.items()):
        n, ids = row[2 * i], row[2 * i + 1] or []
        answers[key] = listing.answer(min(n, search.COUNT_CAP), n > search.COUNT_CAP, ids)
    return answers


def _sql(qs: QuerySet) -> tuple[str, list[Any]]:
    sql, params = qs.query.get_compiler(connection=connection).as_sql()
    return sql, list(params)


def ordered_by_rank(qs: QuerySet, *then: Any) -> list[Any]:
    """["-rank", *then] when the queryset is ranked (PostgreSQL), else `then`."""
    return ["-rank", *then] if "rank" in qs.query.annotations else list(then)


def excerpt(text: str, terms: tuple[str, ...], *, length: int = 600) -> str:
    """The stretch of a long text (a PDF's) around its first matching word, for a snippet."""
    # A word that matches leaves its term in the whole text normalised (normalising works letter by
    # letter, and a term is a prefix of one of the word's parts): a text without any is skipped by
    # one pass in C instead of a look at each of its words (a search's hits have many such files).
    normal = search.normalise(text)
    if not any(term in normal for term in terms):
        return ""
    for match in _WORD.finditer(text or ""):
        if _matches(match.group(), terms):
            start = max(0, match.start() - length // 3)
            return text[start : start + length]
    return ""


_MARKUP = re.compile(r"!?\[([^\]]*)\]\([^)]*\)|https?://\S+|[*_#>`|~]+|[-=]{3,}")


def plain(text: str) -> str:
    """Markdown as plain words for a snippet: links keep their text, addresses and marks go."""
    return " ".join(_MARKUP.sub(lambda m: m.group(1) or " ", text or "").split())


def other_language(code: str, reader: str) -> str:
    """`code` when a text in it is not in the reader's language (pt and pt-br are one), else ""."""
    if not code or code.split("-")[0] == reader.split("-")[0]:
        return ""
    return code


def translations(obj: Any, field: str) -> str:
    """A translated field (modeltranslation) in every language, for a search document: a reader
    finds a story by its Portuguese title while reading in Spanish."""
    from .translated import LANGUAGE_CODES, localized

    return " ".join(localized(obj, field, code) for code in LANGUAGE_CODES)


def country_names(codes: Iterable[Any]) -> str:
    """Country names in the three languages ("Brasil", "Brazil")."""
    from django.utils import translation
    from django_countries import countries

    from .translated import LANGUAGE_CODES

    names = []
    for language in LANGUAGE_CODES:
        with translation.override(language):
            names += [str(countries.name(str(getattr(code, "code", code)))) for code in codes]
    return " ".join(names)


# --- Scoring and snippets -------------------------------------------------------------------------

_WORD = re.compile(r"\w+", re.UNICODE)


@functools.lru_cache(maxsize=8192)
def _normal_word(word: str) -> str:
    """A word of a text normalised (snippets look at every word of a page of hits: the same few
    hundred words again and again)."""
    return search.normalise(word)


def _matches(word: str, terms: tuple[str, ...]) -> bool:
    normal = _normal_word(word)
    return any(part.startswith(term) for part in normal.split() for term in terms)


def score(hit: Hit, terms: tuple[str, ...]) -> float:
    """Words of the query in the title count most, then in the text (each a little less after the
    first); a term that is a whole word counts more than one that only starts a word."""
    total = 0.0
    title_words = search.normalise(hit.title).split()
    text_words = search.normalise(hit.text[:4000]).split()
    for term in terms:
        in_title = [w for w in title_words if w.startswith(term)]
        in_text = [w for w in text_words if w.startswith(term)]
        total += 3.0 * bool(in_title) + (1.0 if term in title_words else 0.0)
        total += min(len(in_text), 5) * 0.4 + (0.3 if term in text_words else 0.0)
    return total


def highlight(text: str, terms: tuple[str, ...], *, length: int = SNIPPET_LENGTH) -> SafeString:
    """A stretch of `text` around the first word that matches, escaped, each matching word in
    <mark>: accents and case do not matter ("financiacion" marks "Financiación")."""
    text = " ".join((text or "").split())
    # The words are read up to the first that matches, then those of the stretch only (a story's
    # whole text is a hit's text).
    first = next((w for w in _WORD.finditer(text) if _matches(w.group(), terms)), None)
    start = 0
    if first is not None and first.start() > length // 3:
        start = text.rfind(" ", 0, first.start() - length // 3) + 1
    end = min(len(text), start + length)
    if end < len(text):
        cut = text.rfind(" ", start, end)
        end = cut if cut > start else end
    out: list[str] = ["… " if start > 0 else ""]
    position = start
    for word in _WORD.finditer(text, start):  # `start` begins a word (after a space)
        if word.end() > end:
            break
        if _matches(word.group(), terms):
            out.append(escape(text[position : word.start()]))
            out.append(f"<mark>{escape(word.group())}</mark>")
            position = word.end()
    out.append(escape(text[position:end]))
    if end < len(text):
        out.append(" …")
    return mark_safe("".join(out))  # noqa: S308 (every piece escaped above)


# --- The search -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facet:
    key: str
    label: Any
    count: int
    selected: bool
    list_url: str
    more: bool = False  # at least `count`


@dataclass
class Results:
    query: str
    terms: tuple[str, ...]
    kind: str  # "" for every kind
    facets: list[Facet]
    hits: list[Hit]
    page: int
    pages: int

    @property
    def total(self) -> int:
        return sum(facet.count for facet in self.facets)

    @property
    def more(self) -> bool:
        """The total (or the chosen kind's count) is a lower bound."""
        if self.kind:
            return any(f.more for f in self.facets if f.key == self.kind)
        return any(f.more for f in self.facets)

    @property
    def count(self) -> int:
        """Matches of the chosen kind (or of all)."""
        if self.kind:
            return next((f.count for f in self.facets if f.key == self.kind), 0)
        return self.total

    @functools.cached_property
    def items(self) -> list[Item]:
        """The hits as the page shows them: the kind's name, the title and a snippet with the
        words marked."""
        labels = {each.key: each.label for each in kinds()}
        return [
            Item(
                hit=hit,
                label=labels.get(hit.kind, hit.kind),
                title=highlight(hit.title, self.terms, length=400),
                snippet=highlight(hit.text, self.terms) if hit.text.strip() else mark_safe(""),
            )
            for hit in self.hits
        ]


@dataclass(frozen=True)
class Item:
    hit: Hit
    label: Any
    title: SafeString
    snippet: SafeString


def _cache_key(kind: Kind, ask: Ask) -> str | None:
    """Where the kind's answer to `ask` is kept; None when it is not (no version, or a reader
    whose answer is their own)."""
    if kind.version is None:
        return None
    group: str | None = ""
    if kind.audience is not None:
        group = kind.audience(ask.user)
        if group is None:
            return None
    words = hashlib.sha256(" ".join(ask.terms).encode()).hexdigest()[:24]
    return (
        f"site-search:{kind.key}{':' if group else ''}{group}:{kind.version()}:{ask.language}"
        f":{words}:{ask.offset}:{ask.limit}"
    )


def _ask_all(asks: dict[str, tuple[Kind, Ask]]) -> dict[str, Found]:
    """Each kind's answer to its ask: those kept read in one round trip (their versions in another),
    the others found and kept in one more."""
    with versions_read_together():
        keys = {
            key: kept_at
            for key, (kind, ask) in asks.items()
            if (kept_at := _cache_key(kind, ask)) is not None
        }
    kept = cache.get_many(list(keys.values())) if keys else {}
    answers: dict[str, Found] = {}
    to_keep: dict[str, Found] = {}
    listings: dict[str, Listing] = {}
    for key, (kind, ask) in asks.items():
        answer = kept.get(keys[key]) if key in keys else None
        if answer is None:
            answer = kind.find(ask)
            if isinstance(answer, Listing):
                listings[key] = answer
                continue
            if key in keys:
                to_keep[keys[key]] = answer
        answers[key] = answer
    for key, answer in _listed(listings).items():
        answers[key] = answer
        if key in keys:
            to_keep[keys[key]] = answer
    answers = {key: answers[key] for key in asks}  # in the kinds' order
    if to_keep:
        cache.set_many(to_keep, CACHE_SECONDS)
    return answers


def run(
    query: str,
    *,
    user: Any,
    language: str,
    kind: str = "",
    page: int = 1,
    page_size: int = PAGE_SIZE,
) -> Results:
    """The search as a reader sees it: counts of every kind, and one page of hits, of one kind
    (`kind`) or of all ranked together."""
    terms = tuple(search.terms(query))
    chosen = kind if kind in _kinds else ""
    if not terms:
        return Results(query, terms, chosen, [], [], 1, 0)
    page = max(page, 1)
    asks: dict[str, tuple[Kind, Ask]] = {}
    for each in kinds():
        if chosen and each.key != chosen:
            limit, offset = 0, 0  # its count only
        elif chosen:
            limit, offset = page_size, (page - 1) * page_size
        else:
            limit, offset = min(page, MOST_PAGES) * page_size, 0
        asks[each.key] = (each, Ask(query, terms, user, language, limit, offset))
    answers = _ask_all(asks)
    facets = [
        Facet(
            each.key,
            each.label,
            answers[each.key].count,
            each.key == chosen,
            each.list_url(query),
            answers[each.key].more,
        )
        for each in kinds()
    ]
    if chosen:
        hits = [_scored(hit, terms) for hit in answers[chosen].hits]
        pages = math.ceil(answers[chosen].count / page_size)
    else:
        merged = sorted(
            (_scored(hit, terms) for found in answers.values() for hit in found.hits),
            key=lambda hit: (-hit.score, -(hit.date.timestamp() if hit.date else 0)),
        )
        total = sum(found.count for found in answers.values())
        pages = min(math.ceil(total / page_size), MOST_PAGES)
        page = min(page, max(pages, 1))
        hits = merged[(page - 1) * page_size : page * page_size]
    return Results(query, terms, chosen, facets, hits, page, pages)


def _scored(hit: Hit, terms: tuple[str, ...]) -> Hit:
    return replace(hit, score=score(hit, terms))


def iter_pages(results: Results) -> Iterator[int]:
    yield from range(1, results.pages + 1)
