"""The statements a send runs for every message, as prepared SQL on PostgreSQL, and commits that
do not wait for the disk while a chunk runs. Used by `deliveries_send_chunk` only."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db import connection as db_connection
from django.utils import timezone

from .models import Delivery, Subscriber

SENT = str(Delivery.Status.SENT)
# (status, email, language) of a subscriber, as the chunk reads it before each message.
SubscriberRow = tuple[str, str, str]


class HotStatements:
    """The statements run for every message, as plain SQL through one cursor per chunk: the ORM
    would spend more CPU building them than the database spends running them.

    On PostgreSQL, marking a row sent and reading the next row's subscriber is one statement (a
    data-modifying WITH): one round trip and one commit per message. The UPDATE commits on its
    own, right after the server accepted the message, as before; the read happens just before
    the next message goes out. Both statements are prepared once per connection: parsing and
    planning them again for every message cost the database as much as running them.
    """

    def __init__(self) -> None:
        subscribers = Subscriber._meta.db_table
        deliveries = Delivery._meta.db_table
        self.read_sql = f"SELECT status, email, language FROM {subscribers} WHERE id = %s"  # noqa: S608 (table name from the model)
        self.sent_sql = (
            f"UPDATE {deliveries} SET status = %s, sent_at = %s, attempts = attempts + 1, "  # noqa: S608 (table name from the model)
            "message_id = %s, language = %s, last_error = '' WHERE id = %s"
        )
        self.sent_and_read_sql = (
            f"WITH sent AS ({self.sent_sql} RETURNING 1) "  # noqa: S608 (table names from the models)
            f"SELECT status, email, language FROM {subscribers} WHERE id = %s"
        )
        self.combined = db_connection.vendor == "postgresql"
        self._threshold: tuple[Any, int | None] | None = None
        self.cursor = self._prepared_cursor() if self.combined else db_connection.cursor()

    def _prepared_cursor(self):
        """A Django cursor (queries logged and wrapped as usual) over a psycopg cursor that binds
        parameters on the server and prepares its statements. Django's own cursors bind on the
        client and never prepare (for connection poolers); these two statements are prepared on
        the worker's own connection for the duration of a chunk. (Behind a pooler in transaction
        mode that needs protocol-level prepared statements, as PgBouncer 1.21+ has.)"""
        import psycopg

        db_connection.ensure_connection()
        raw = db_connection.connection
        if not isinstance(raw, psycopg.Connection):  # psycopg2: Django's own cursor, unprepared
            return db_connection.cursor()

        class PreparingCursor(psycopg.Cursor):
            def execute(self, query, params=None, *, prepare=None, binary=None):
                return super().execute(query, params, prepare=True, binary=binary)

        # With no threshold psycopg ignores prepare=True; a threshold no query reaches prepares
        # only what is asked for. Restored in close().
        self._threshold = (raw, raw.prepare_threshold)
        if raw.prepare_threshold is None:
            raw.prepare_threshold = 2**31 - 1
        cursor = PreparingCursor(raw)
        if db_connection.queries_logged:
            return db_connection.make_debug_cursor(cursor)
        return db_connection.make_cursor(cursor)

    def __enter__(self) -> HotStatements:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        with contextlib.suppress(Exception):  # a broken connection is closed anyway
            self.cursor.close()
        if self._threshold is not None:
            raw, threshold = self._threshold
            raw.prepare_threshold = threshold

    def subscriber(self, subscriber_id: int) -> SubscriberRow | None:
        self.cursor.execute(self.read_sql, [subscriber_id])
        return self.cursor.fetchone()

    def mark_sent(
        self, delivery_id: int, message: str, *, language: str = "", then_read: int | None = None
    ) -> SubscriberRow | None:
        """Mark a row sent (its own commit) with the edition's language; with `then_read`, also
        read that subscriber."""
        params: list[Any] = [SENT, timezone.now(), message, language, delivery_id]
        if then_read is not None and self.combined:
            self.cursor.execute(self.sent_and_read_sql, [*params, then_read])
            return self.cursor.fetchone()
        self.cursor.execute(self.sent_sql, params)
        return self.subscriber(then_read) if then_read is not None else None


@contextlib.contextmanager
def fast_commits() -> Iterator[None]:
    """On PostgreSQL, commits of this session do not wait for the disk (synchronous_commit off)
    until the block ends.

    A commit still survives the death of the worker (it is in the server's memory); only a crash
    of the database server itself within a fraction of a second could forget a "sent" mark, and
    that message would then be sent twice, never lost. Waiting for the disk on every message
    would cap the send at the disk's flush rate.
    """
    postgresql = db_connection.vendor == "postgresql"
    if postgresql:
        with db_connection.cursor() as cursor:
            cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        if postgresql:
            with db_connection.cursor() as cursor:
                cursor.execute("RESET synchronous_commit")
