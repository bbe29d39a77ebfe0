"""Accent-insensitive search shared by the apps.

Text is normalised in Python (lower case, accents removed), stored in a `search_document` column,
and on PostgreSQL turned into a weighted `tsvector` with the 'simple' configuration (no stemming:
content comes in three languages). Queries are normalised the same way, so "logistica" finds
"logística" and "cluster" finds "clúster". On SQLite the same document is matched with LIKE, at
the start of a word only (the document is its words joined by single spaces), as PostgreSQL's
prefix query `term:*` does: "cacao" finds "cacaoteros" but not "educacao".
"""

import re
import unicodedata
from typing import Any

from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import F, Q, QuerySet, Value

_TOKEN = re.compile(r"[a-z0-9]+")

# Matches of a free-text search are counted up to COUNT_CAP ("more than 1000"): counting all
# 60,000 matches of a word most rows share ("cluster"), or their facets, costs more than the
# rest of the page and tells the reader nothing more. Past it a list is ordered from an index
# (by name or date), not ranked, unless the reader asks for relevance. Read at each call.
COUNT_CAP = 1_000


class _WithoutCombining(dict):
    """A `str.translate` table that drops combining marks (accents once decomposed) and keeps
    every other character: each code point is looked up once, then answered from the dict (the
    one search normalises every word of each page of hits)."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_WITHOUT_COMBINING = _WithoutCombining()


def normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text or "")
    stripped = decomposed if decomposed.isascii() else decomposed.translate(_WITHOUT_COMBINING)
    return " ".join(_TOKEN.findall(stripped.lower()))


def terms(query: str, *, limit: int = 8) -> list[str]:
    return normalise(query).split()[:limit]


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def search(qs: QuerySet, query: str, *, rank: bool = True) -> QuerySet:
    """Filter `qs` (a model with search_document and search_vector) by every term of `query`.

    Each term also matches as a prefix ("clust" finds "cluster"). With `rank`, rows gain a `rank`
    annotation (always 0 on SQLite).
    """
    words = terms(query)
    if not words:
        return qs
    if is_postgres():
        tsquery = SearchQuery(
            " & ".join(f"{w}:*" for w in words), search_type="raw", config="simple"
        )
        qs = qs.filter(search_vector=tsquery)
        if rank:
            qs = qs.annotate(rank=SearchRank(F("search_vector"), tsquery))
        return qs
    for word in words:
        qs = qs.filter(
            Q(search_document__startswith=word) | Q(search_document__contains=f" {word}")
        )
    if rank:
        from django.db.models.fields import FloatField

        qs = qs.annotate(rank=Value(0.0, output_field=FloatField()))
    return qs


def capped_count(qs: QuerySet) -> tuple[int, bool]:
    """(matches up to COUNT_CAP, whether there are more): one COUNT over a LIMIT."""
    count = qs.order_by().values("pk")[: COUNT_CAP + 1].count()
    return min(count, COUNT_CAP), count > COUNT_CAP


def document_updates(parts: dict[str, str]) -> dict[str, Any]:
    """The `search_document` (and on PostgreSQL the weighted `search_vector`) of already
    normalised text by weight ({"A": title, "B": ..., ...}), for a queryset's `update()`."""
    updates: dict[str, Any] = {"search_document": " ".join(p for p in parts.values() if p)}
    if is_postgres():
        vector: Any = None
        for weight, text in parts.items():
            part = SearchVector(Value(text), weight=weight, config="simple")
            vector = part if vector is None else vector + part
        updates["search_vector"] = vector
    return updates
