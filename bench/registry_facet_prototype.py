"""Prototypes of the proposed facet counting, patched into the selectors and measured uncached.

    .venv/bin/python bench/registry_facet_prototype.py "q=qwertyzz" "q=xilofono" "" "q=cluster"

Runs against the database that bench/registry.py seeds (same DATABASE_URL and REDIS_URL
defaults). Each argument is a query string; for each, the current `_facet_counts` and two
replacements must give the same counts, then each is timed on uncached calls of
`initiative_directory` (the registry version is bumped before every call). Evidence for the
proposals in bench/RESULTS.md; nothing in the application uses it.

A: one filterset per request; facet queries filter directly (no `id IN (SELECT id ...)`
   self-join unless a sector filter makes rows repeat).
B: A, plus every facet without an active filter of its own counted in one scan with GROUPING SETS.
"""

import os
import secrets
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/iapt_bench")
os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/14")
os.environ.update(
    DEBUG="false",
    SECRET_KEY=secrets.token_urlsafe(50),
    DJANGO_SETTINGS_MODULE="iapt_platform.settings",
)

import django

django.setup()

from django.db import connection  # noqa: E402
from django.db.models import Count  # noqa: E402
from django.http import QueryDict  # noqa: E402

from initiatives import selectors  # noqa: E402
from initiatives.filters import InitiativeFilter  # noqa: E402
from initiatives.models import Initiative  # noqa: E402

COLUMNS = {
    "country": "country",
    "kind": "kind",
    "stage": "stage",
    "programme": "programme_id",
    "digital": "digital_focus",
}


def _prepare(params):
    fs = selectors.initiative_filterset(params)
    fs.form.is_valid()
    active = fs.active_filters()

    def filtered(without=None):
        qs = Initiative.objects.published()
        for name, value in active.items():
            if name != without:
                qs = fs.filters[name].filter(qs, value)
        if "sector" in active and without != "sector":
            qs = Initiative.objects.filter(pk__in=qs.values("pk"))
        return qs.order_by()

    return active, filtered


def _one(facet, qs):
    if facet == "sector":
        rows = (
            Initiative.sectors.through.objects.filter(initiative_id__in=qs.values("pk"))
            .values("sector_id")
            .annotate(n=Count("initiative_id"))
            .values_list("sector_id", "n")
        )
    elif facet == "programme":
        rows = (
            qs.filter(programme__isnull=False)
            .values("programme_id")
            .annotate(n=Count("id"))
            .values_list("programme_id", "n")
        )
    elif facet == "digital":
        return {"1": qs.filter(digital_focus=True).count()}
    else:
        rows = (
            qs.exclude(**{facet: ""}).values(facet).annotate(n=Count("id")).values_list(facet, "n")
        )
    return {str(k): n for k, n in rows}


def facet_counts_a(params):
    _active, filtered = _prepare(params)
    return {facet: _one(facet, filtered(facet)) for facet in InitiativeFilter.FACETS}


def facet_counts_b(params):
    active, filtered = _prepare(params)
    counts = {}
    shared = [f for f in COLUMNS if f not in active]
    for facet in InitiativeFilter.FACETS:
        if facet not in shared:
            counts[facet] = _one(facet, filtered(facet))
    if shared:
        cols = [COLUMNS[f] for f in shared]
        inner, inner_params = filtered().values(*cols).query.sql_with_params()
        # Column names come from COLUMNS, the inner query from Django's compiler with its parameters.
        grouping = ", ".join(f"GROUPING({c})" for c in cols)
        sets = ", ".join(f"({c})" for c in cols)
        sql = (
            f"SELECT {grouping}, {', '.join(cols)}, COUNT(*) "  # noqa: S608
            f"FROM ({inner}) t GROUP BY GROUPING SETS ({sets})"
        )
        for f in shared:
            counts[f] = {}
        with connection.cursor() as cursor:
            cursor.execute(sql, inner_params)
            for row in cursor.fetchall():
                flags, values, n = row[: len(cols)], row[len(cols) : 2 * len(cols)], row[-1]
                f = shared[flags.index(0)]
                value = values[flags.index(0)]
                if f == "digital":
                    if value:
                        counts[f] = {"1": n}
                    continue
                if value in ("", None):
                    continue
                counts[f][str(value)] = n
        if "digital" in shared and not counts["digital"]:
            counts["digital"] = {"1": 0}
    return {f: counts[f] for f in InitiativeFilter.FACETS}


def call(q):
    selectors.registry_changed()
    d = selectors.initiative_directory(QueryDict(q), page_number=None)
    return list(d.page.object_list), d.page.paginator.count, d.facets


def measure(q, minimum, cap=20.0):
    call(q)
    wall = []
    start = time.perf_counter()
    while len(wall) < minimum or (time.perf_counter() - start < 2 and len(wall) < 200):
        t = time.perf_counter()
        call(q)
        wall.append(time.perf_counter() - t)
        if time.perf_counter() - start > cap:
            break
    wall.sort()
    p95 = wall[max(0, -(-len(wall) * 95 // 100) - 1)]
    return f"p50 {wall[len(wall) // 2] * 1000:7.1f}  p95 {p95 * 1000:7.1f} ms  (n={len(wall)})"


orig = selectors._facet_counts
for q in sys.argv[1:]:
    p = QueryDict(q)
    expected = orig(p)
    assert facet_counts_a(p) == expected, (q, "A")
    assert facet_counts_b(p) == expected, (q, "B")
    minimum = 5 if "cluster" in q or not q else 20
    for name, fn in (("current", orig), ("A", facet_counts_a), ("B", facet_counts_b)):
        selectors._facet_counts = fn
        print(
            f"{q or '(unfiltered)':30} {name:8} uncached selector: {measure(q, minimum)}",
            flush=True,
        )
    selectors._facet_counts = orig
