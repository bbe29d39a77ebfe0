"""The values of a row's related rows read in the row's own query, as one text ("3,14,15"):
a page of one object reads its sectors' ids, its languages, its countries without a query each.
Written as SQL (the same answer on PostgreSQL and SQLite): an aggregate in a correlated
subquery, which the ORM would build only with a GROUP BY over the whole row."""

from typing import Any

from django.db import connection


def joined_sql(
    *, table: str, column: str, link: str, outer: str, join: str = "", order: str
) -> str:
    """SQL of the `column` values of the rows of `table` whose `link` is the row `outer` (a
    column of the outer query, such as `"library_resource"."id"`), in `order`, joined by commas
    (NULL when there is none). `join`: a JOIN the order needs (the related table). Every
    argument is the code's own text, never a reader's."""
    rows = f"FROM {table} x {join} WHERE x.{link} = {outer}"
    if connection.vendor == "postgresql":
        return f"(SELECT string_agg(x.{column}::text, ',' ORDER BY {order}) {rows})"
    return f"(SELECT group_concat(v) FROM (SELECT x.{column} AS v {rows} ORDER BY {order}))"  # noqa: S608


def split(text: str | None) -> list[str]:
    """The values `joined_sql` gave ([] for NULL: none)."""
    return text.split(",") if text else []


def as_prefetched(instance: Any, name: str, objects: list[Any]) -> None:
    """`instance.<name>.all()` answers `objects` without a query, as a prefetch leaves it (the
    objects made from `joined_sql`'s values, or found in a kept map)."""
    found = getattr(instance, name).all()
    found._result_cache = objects
    found._prefetch_done = True
    instance._prefetched_objects_cache = {
        **getattr(instance, "_prefetched_objects_cache", {}),
        name: found,
    }
