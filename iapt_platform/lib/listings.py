"""Derived listings: narrow tables kept as a copy of some columns of the published rows of a source
table (initiatives.SearchListing, library.SearchListing).

`sync_listing` makes such a listing match its source, for some source rows or all of them: one
DELETE of the listing rows whose source row is no longer published, and one INSERT ... SELECT ...
ON CONFLICT DO UPDATE that leaves equal rows alone, so two runs at once (the daily sweep twice, a
sweep beside a save) converge on the same rows. Call it inside a transaction.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, transaction
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


# (table, its key columns, the counts to write there, keyed in that column order)
Tables = list[tuple[type[Model], tuple[str, ...], Counter]]


class KeptCounts:
    """Counts kept exact by the writes that rewrite a search listing (initiatives/counts.py,
    library/counts.py): each listing row adds one to the keys `contribution(row)` names (`row`:
    the listing's `fields` in order), and `tables(counts)` says which table of kept counts (with a
    unique constraint on its key columns and a column `n`) holds each key, in its columns' order.

    `refresh` is how the listing rows of some source rows are rewritten: it locks those source
    rows, reads their listing rows before and after the rewrite and adds the difference with
    `n = n + delta` (in the caller's transaction), so two edits at once add up and a rolled-back
    edit leaves the counts as they were. `withdraw` takes source rows being deleted out first (the
    database would drop their listing rows without telling the counts). `rebuild` counts the whole
    listing again (the daily sweep, a bulk load)."""

    def __init__(
        self,
        *,
        listing: type[Model],
        source: type[Model],
        source_field: str,
        fields: Sequence[str],
        contribution: Callable[[Sequence[Any]], list[tuple]],
        tables: Callable[[Counter], Tables],
    ) -> None:
        self.listing, self.source, self.source_field = listing, source, source_field
        self.fields, self.contribution, self.tables = tuple(fields), contribution, tables

    def counted(self, rows: Iterable[Sequence[Any]]) -> Counter:
        counts: Counter = Counter()
        for row in rows:
            counts.update(self.contribution(row))
        return counts

    def _listing_rows(self, ids: Sequence[int]) -> Counter:
        mine = self.listing._default_manager.filter(**{f"{self.source_field}__in": ids})
        return self.counted(mine.values_list(*self.fields).order_by())

    def _add(self, delta: Counter) -> None:
        for model, columns, counts in self.tables(delta):
            add_to_counts(model, columns, counts)

    def _lock(self, ids: Sequence[int]) -> None:
        """Hold these source rows until the commit: a second refresh of one of them waits, then
        reads the listing row the first wrote (SQLite has one writer at a time already)."""
        if connection.vendor != "postgresql":
            return
        rows = self.source._default_manager.filter(pk__in=ids).order_by("pk")
        list(rows.select_for_update().values("pk"))

    def refresh(self, ids: Sequence[int], write: Callable[[], int]) -> int:
        """Run `write` (which rewrites these source rows' listing rows) and move the counts by the
        difference it made. Call inside a transaction."""
        ids = sorted(set(ids))
        if not ids:
            return 0
        self._lock(ids)
        before = self._listing_rows(ids)
        written = write()
        after = self._listing_rows(ids)  # not trusting `written`: databases count upserts apart
        after.subtract(before)
        self._add(after)
        return written

    def withdraw(self, ids: Sequence[int]) -> None:
        """Take these source rows out of the counts and the listing (they are being deleted)."""
        ids = sorted(set(ids))
        if not ids:
            return
        self._lock(ids)
        delta = Counter({key: -n for key, n in self._listing_rows(ids).items()})
        self.listing._default_manager.filter(**{f"{self.source_field}__in": ids}).delete()
        self._add(delta)

    def recount(self) -> Counter:
        """Every count, from the listing (one pass over its narrow rows)."""
        rows = self.listing._default_manager.values_list(*self.fields).order_by()
        return self.counted(rows.iterator(chunk_size=5000))

    def rebuild(self) -> int:
        """Make the tables equal to `recount()`; the number of counts that were wrong. Edits wait
        meanwhile (they would move counts the recount has already read or not yet read)."""
        with transaction.atomic():
            if connection.vendor == "postgresql":
                for model, _columns, _counts in self.tables(Counter()):
                    table = connection.ops.quote_name(model._meta.db_table)
                    with connection.cursor() as cursor:
                        cursor.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
            return sum(
                _make_equal(model, columns, counts)
                for model, columns, counts in self.tables(self.recount())
            )


def _make_equal(model: type[Model], columns: tuple[str, ...], wanted: Counter) -> int:
    """Rows of `model` equal to `wanted` (key in `columns` order: n); the number made right."""
    manager = model._default_manager
    have = {
        tuple(values[1:-1]): (values[0], values[-1])
        for values in manager.values_list("pk", *columns, "n")
    }
    stale = {pk: n for key, (pk, n) in have.items() if key not in wanted}  # zeros are tidied too
    manager.filter(pk__in=list(stale)).delete()
    changed = [
        model(pk=have[key][0], n=n, **dict(zip(columns, key, strict=True)))
        for key, n in wanted.items()
        if key in have and have[key][1] != n
    ]
    manager.bulk_update(changed, ["n"], batch_size=1000)
    missing = [
        model(n=n, **dict(zip(columns, key, strict=True)))
        for key, n in wanted.items()
        if key not in have
    ]
    manager.bulk_create(missing, batch_size=1000)
    return sum(1 for n in stale.values() if n) + len(changed) + len(missing)
