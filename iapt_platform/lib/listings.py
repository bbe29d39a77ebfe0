"""Derived listings: narrow tables kept as a copy of some columns of the published rows of a source
table (initiatives.SearchListing, library.SearchListing).

`sync_listing` makes such a listing match its source, for some source rows or all of them: one
DELETE of the listing rows whose source row is no longer published, and one INSERT ... SELECT ...
ON CONFLICT DO UPDATE that leaves equal rows alone, so two runs at once (the daily sweep twice, a
sweep beside a save) converge on the same rows. Call it inside a transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from django.db import connection
from django.db.models import Count, Model, QuerySet


def sync_listing(
    *,
    listing: type[Model],
    key: str,
    source: type[Model],
    alias: str,
    published: str,
    params: Sequence[Any],
    columns: Sequence[str],
    select: str,
    ids: Sequence[int] | None,
) -> int:
    """Make `listing` match the published rows of `source` (those with these ids, or all): a row
    per published source row with its current values, none for the others. Returns the rows
    written or removed.

    `key` is the listing's column holding the source row's id (unique); `columns` its other
    columns; `select` the SELECT list (the source id, then `columns` in order) from a source row
    named `alias`; `published` the condition on `alias` that makes a source row listed, with its
    values in `params`. Table names come from the models and every other name from the calling
    module; every value is a bound parameter.
    """
    if ids is not None and not ids:
        return 0
    quote = connection.ops.quote_name
    table = quote(listing._meta.db_table)
    origin = quote(source._meta.db_table)
    pk = f"{alias}.{quote(source._meta.pk.column)}"
    only, only_params = "", []
    if ids is not None:
        only = f" IN ({', '.join(['%s'] * len(ids))})"
        only_params = list(ids)
    differs = "IS DISTINCT FROM" if connection.vendor == "postgresql" else "IS NOT"
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns)
    changed = " OR ".join(f"{table}.{c} {differs} excluded.{c}" for c in columns)
    stale = (
        f"DELETE FROM {table} WHERE {key} NOT IN "  # noqa: S608
        f"(SELECT {pk} FROM {origin} {alias} WHERE {published})"
        + (f" AND {key}{only}" if only else "")
    )
    upsert = (
        f"INSERT INTO {table} ({key}, {', '.join(columns)}) "  # noqa: S608
        f"SELECT {select} FROM {origin} {alias} WHERE {published}"
        + (f" AND {pk}{only}" if only else "")
        + f" ON CONFLICT ({key}) DO UPDATE SET {updates} WHERE {changed}"
    )
    values = list(params) + only_params
    with connection.cursor() as cursor:
        cursor.execute(stale, values)
        removed = max(cursor.rowcount, 0)
        cursor.execute(upsert, values)
        written = max(cursor.rowcount, 0)
    return removed + written


def grouped_counts(
    qs: QuerySet, columns: Sequence[str], *, total: bool, cap: int | None
) -> tuple[list[tuple[int, object, int]], int | None]:
    """Rows (column position, value, count) of `qs` grouped by each of `columns` on its own, and
    the number of rows when `total` (or `cap`) asks for it. With a cap only the first cap + 1
    rows are read, so the total tells whether the set went past it and the counts are those of
    these rows. PostgreSQL: one scan with GROUPING SETS; elsewhere one GROUP BY per column."""
    rows: list[tuple[int, object, int]] = []
    grand_total = None
    if not columns:
        return rows, (qs.count() if total else None)
    if cap is not None:
        total = True  # the size of the set tells whether it went past the cap
    if connection.vendor == "postgresql":
        within = qs.values(*columns)
        if cap is not None:
            within = within[: cap + 1]
        inner, params = within.query.sql_with_params()
        # The column names come from the callers' own tables of columns and the inner query,
        # with its parameters, from Django's compiler: nothing from the request is in the SQL.
        sets = ", ".join(f"({c})" for c in columns) + (", ()" if total else "")
        sql = (
            f"SELECT {', '.join(f'GROUPING({c})' for c in columns)}, {', '.join(columns)}, "  # noqa: S608
            f"COUNT(*) FROM ({inner}) AS matches GROUP BY GROUPING SETS ({sets})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for row in cursor.fetchall():
                flags, values, n = row[: len(columns)], row[len(columns) : -1], row[-1]
                if 0 not in flags:  # the grand total: grouped by no column
                    grand_total = n
                    continue
                position = flags.index(0)  # the one column this row is grouped by
                rows.append((position, values[position], n))
        return rows, grand_total
    if cap is not None:
        ids = list(qs.values_list("pk", flat=True)[: cap + 1])
        qs = qs.model.objects.filter(pk__in=ids)
    for position, column in enumerate(columns):
        grouped = qs.values(column).annotate(n=Count("pk")).values_list(column, "n")
        rows += [(position, value, n) for value, n in grouped]
    if total:
        grand_total = qs.count()
    return rows, grand_total


def add_to_counts(model: type[Model], key: Sequence[str], delta: Counter) -> None:
    """count = count + delta for each key (a tuple of the values of the `key` columns of `model`,
    a table of kept counts with a unique constraint on them and a column `n`), in key order (two
    writers lock rows in the same order). Rows are created at their first count."""
    keys = sorted(k for k, n in delta.items() if n)
    if not keys:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(column) for column in key)
    row = "(" + ", ".join(["%s"] * (len(key) + 1)) + ")"
    params: list[Any] = []
    for k in keys:
        params += [*k, delta[k]]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, n) VALUES {', '.join([row] * len(keys))} "  # noqa: S608
            f"ON CONFLICT ({names}) DO UPDATE SET n = {table}.n + excluded.n",
            params,
        )
