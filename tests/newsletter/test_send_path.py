"""The per-message work of a send, made cheap without changing what goes out: the byte template
gives the same message as building it, batch tokens are the same links, the server being down
sends the chunk back, and on PostgreSQL the claim is a range scan and the hot statements are
prepared on a connection left as it was."""

import re
import socket
from datetime import UTC, datetime

import pytest
import time_machine
from django.db import connection

from newsletter import rendering, tokens, transport
from newsletter.models import Delivery, Issue
from newsletter.rendering import freeze_editions, personal_tokens
from newsletter.services import delivery

from .factories import SubscriberFactory

pytestmark = pytest.mark.django_db

on_postgresql = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL only (CI runs on PostgreSQL)"
)


def _normalised(data: bytes) -> bytes:
    # The MIME boundary is random and the Date is the time of building: neither is personal.
    data = re.sub(rb"={15}\d+==", b"BOUNDARY", data)
    return re.sub(rb"Date: [^\r]*\r\n", b"", data)


def test_the_byte_template_gives_the_message_building_it_would(issue_with_block):
    rendered = freeze_editions(issue_with_block)["es"]
    unsubscribe, preferences = personal_tokens(4321)
    template = transport.MessageTemplate(rendered, issue_with_block.pk)

    from_template = template.render(
        subscriber_id=4321,
        email="ana@example.org",
        unsubscribe=unsubscribe,
        preferences=preferences,
    )
    built = transport.build_message(
        rendered=rendered,
        issue_id=issue_with_block.pk,
        subscriber_id=4321,
        email="ana@example.org",
        unsubscribe=unsubscribe,
        preferences=preferences,
    )

    assert template.usable
    assert _normalised(from_template) == _normalised(built.message().as_bytes(linesep="\r\n"))
    assert f"/bulletin/unsubscribe/{unsubscribe}/".encode() in from_template
    # Every placeholder was filled. Not a bare "NLX": the signed tokens and the base64 parts are
    # random letters and held "nlx" once in CI.
    for placeholder in (
        rendering.UNSUBSCRIBE_PLACEHOLDER,
        rendering.PREFERENCES_PLACEHOLDER,
        transport.SUBSCRIBER_PLACEHOLDER,
        transport.RECIPIENT_PLACEHOLDER,
    ):
        assert placeholder.upper().encode() not in from_template.upper()


def test_batch_tokens_are_the_links_single_tokens_make():
    with time_machine.travel(datetime(2026, 3, 1, 12, 0, tzinfo=UTC), tick=False):
        batch = tokens.LinkTokens()
        for subscriber_id in (1, 77, 123456789):
            assert batch.unsubscribe(subscriber_id) == tokens.unsubscribe_token(subscriber_id)
            assert batch.preferences(subscriber_id) == tokens.preferences_token(
                subscriber_id=subscriber_id
            )
            assert tokens.read_preferences_token(batch.preferences(subscriber_id)) == subscriber_id
            assert tokens.read_unsubscribe_token(batch.unsubscribe(subscriber_id)) == subscriber_id


def test_a_chunk_whose_server_is_down_goes_back_to_the_queue(settings, issue_with_block):
    SubscriberFactory.create_batch(2)
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 2

    # A port held but not listening: connecting is refused, and nobody else can take it meanwhile.
    with socket.socket() as held:
        held.bind(("127.0.0.1", 0))
        settings.EMAIL_HOST, settings.EMAIL_PORT = held.getsockname()
        outcome = delivery.deliveries_send_chunk(
            issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
        )

    assert outcome.temporary_error.startswith("ConnectionRefusedError")
    assert (outcome.released, outcome.sent) == (2, 0)
    rows = Delivery.objects.values_list("status", "attempts")
    assert sorted(rows) == [(Delivery.Status.PENDING, 0)] * 2


@on_postgresql
def test_a_chunk_claims_its_rows_with_one_index_range_scan(issue_with_block):
    # A brand-new issue is unknown to the planner's statistics: the plan must not depend on them.
    SubscriberFactory.create_batch(3)
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    claim = Delivery.objects.filter(
        issue_id=issue_with_block.pk,
        pk__gte=ids[0],
        pk__lte=ids[1],
        status=Delivery.Status.PENDING,
    ).order_by("pk")
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan TO off")  # the test table is tiny
        plan = claim.explain()

    # One range scan bounded by the chunk's ids: the claim index, or the primary key when the
    # statistics left by earlier tests make the planner prefer it for two rows. Never a walk over
    # every pending row of the issue (an Index Cond without the id range) nor a sequential scan.
    assert "Seq Scan" not in plan
    condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "id >=" in condition and "id <=" in condition
    if "newsletter_delivery_claim" in plan:
        assert "issue_id =" in condition and "status" in condition


@on_postgresql
def test_the_hot_statements_are_prepared_and_the_connection_is_left_as_it_was(
    issue_with_block,
):
    SubscriberFactory.create_batch(3)
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    connection.ensure_connection()
    threshold = connection.connection.prepare_threshold

    outcome = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )

    assert outcome.sent == 3
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(statement.startswith("WITH sent AS (UPDATE") for statement in prepared)
    assert connection.connection.prepare_threshold == threshold
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 3
