"""Delivery: rows created at send time, one message per subscriber in their language, headers,
failures, the rate limit, the dispatcher and the sweeper (tasks run eagerly here; the test with a
real worker is test_real_worker.py)."""

import re
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from newsletter import selectors, tokens, transport
from newsletter.models import Delivery, Issue, Subscriber
from newsletter.services import delivery, issues, subscribers

from .backends import CountingBackend
from .factories import BlockFactory, IssueFactory, SubscriberFactory, TopicFactory

pytestmark = pytest.mark.django_db


def _send(issue, captured):
    with captured(execute=True):
        return issues.issue_send_now(issue=issue)


def test_every_confirmed_subscriber_gets_one_message_in_their_language(
    issue_with_block, django_capture_on_commit_callbacks
):
    spanish = SubscriberFactory(language="es")
    english = SubscriberFactory(language="en")
    SubscriberFactory(language="es", status=Subscriber.Status.PENDING)
    SubscriberFactory(language="es", status=Subscriber.Status.PAUSED)
    SubscriberFactory(language="en", status=Subscriber.Status.UNSUBSCRIBED)
    SubscriberFactory(language="pt-br")  # the issue has no Portuguese edition

    assert _send(issue_with_block, django_capture_on_commit_callbacks) is True

    by_address = {m.to[0]: m for m in mail.outbox}
    assert sorted(by_address) == sorted([spanish.email, english.email])
    assert by_address[spanish.email].subject == f"Subject {issue_with_block.number} (es)"
    assert "Texto en" in by_address[spanish.email].body
    assert "Text in" in by_address[english.email].body
    html = by_address[english.email].alternatives[0][0]
    assert "<strong>English</strong>" in html
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENT
    assert issue_with_block.sent_at is not None
    assert Delivery.objects.filter(status=Delivery.Status.SENT).count() == 2


def test_each_message_carries_one_click_unsubscribe_and_a_stable_message_id(
    issue_with_block, django_capture_on_commit_callbacks
):
    subscriber = SubscriberFactory(language="en")
    _send(issue_with_block, django_capture_on_commit_callbacks)

    message = mail.outbox[0].message()
    token = tokens.unsubscribe_token(subscriber.pk)
    # The address names the edition, so that leaving through it counts in the issue's results.
    edition = issue_with_block.editions.get(language="en")
    assert (
        message["List-Unsubscribe"]
        == (
            f"<http://testserver/en/bulletin/unsubscribe/{token}/?e={edition.pk}>, "  # the edition's language
            f"<mailto:unsubscribe+{token}@localhost>"
        )
    )
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    expected_id = f"<issue-{issue_with_block.pk}-sub-{subscriber.pk}@testserver>"
    assert message["Message-ID"] == expected_id
    assert Delivery.objects.get().message_id == expected_id
    assert message["Content-Language"] == "en"
    # Personal links replaced the placeholders in both parts.
    text = mail.outbox[0].body
    html = mail.outbox[0].alternatives[0][0]
    for part in (text, html):
        assert f"/bulletin/unsubscribe/{token}/" in part
        assert "NLX" not in part
    assert "/bulletin/preferences/" in html


def test_the_email_is_table_based_with_inline_css_and_its_own_text_part(
    django_capture_on_commit_callbacks,
):
    issue = IssueFactory(languages=["en"])
    BlockFactory(
        issue=issue,
        image_url="/media/stories/cover.jpg",
        content={"en": {"title": "A story", "body": "Some *text*.", "image_alt": "Farmers"}},
    )
    SubscriberFactory(language="en")
    _send(issue, django_capture_on_commit_callbacks)

    message = mail.outbox[0]
    html = message.alternatives[0][0]
    assert re.search(r'<table [^>]*role="presentation"', html)
    assert "<style" not in html  # inlined
    assert re.search(r'<td [^>]*style="[^"]*padding: 20px 24px', html)
    image = re.search(r"<img [^>]*>", html).group(0)
    assert 'src="http://testserver/media/stories/cover.jpg"' in image
    assert 'alt="Farmers"' in image
    # The text part comes from its own template: no markup, Markdown as written.
    assert "<" not in message.body.replace("<http", "")
    assert "Some *text*." in message.body
    assert "A STORY" in message.body


def test_segments_by_language_country_and_topic(issue_with_block):
    financing = TopicFactory(slug="financing")
    digital = TopicFactory(slug="digital")
    match = SubscriberFactory(language="es", country="EC", topics=[financing])
    no_topics = SubscriberFactory(language="es", country="EC")
    SubscriberFactory(language="es", country="EC", topics=[digital])  # other topic
    SubscriberFactory(language="es", country="PE", topics=[financing])  # other country
    SubscriberFactory(language="en", country="EC", topics=[financing])  # other language

    issues.issue_update(
        issue=issue_with_block,
        editions={"es": {"subject": "Hola"}, "en": {"subject": "Hello"}},
        segment_languages=["es"],
        segment_countries=["EC"],
        segment_topics=[financing],
    )

    recipients = set(selectors.issue_recipients(issue=issue_with_block))
    assert recipients == {match, no_topics}


def test_a_second_press_of_send_sends_nothing_more(
    issue_with_block, django_capture_on_commit_callbacks
):
    SubscriberFactory.create_batch(3)
    assert _send(issue_with_block, django_capture_on_commit_callbacks) is True
    assert _send(issue_with_block, django_capture_on_commit_callbacks) is False
    # Even a prepare task run twice creates no second row and sends nothing more.
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    with django_capture_on_commit_callbacks(execute=True):
        assert delivery.issue_prepare(issue_id=issue_with_block.pk) == 0
    assert len(mail.outbox) == 3
    assert Delivery.objects.count() == 3


def test_whoever_leaves_during_a_send_gets_nothing(issue_with_block):
    stays, leaves = SubscriberFactory(), SubscriberFactory()
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    subscribers.subscriber_unsubscribe_by_token(token=tokens.unsubscribe_token(leaves.pk))

    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
    outcome = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )

    assert (outcome.sent, outcome.skipped) == (1, 1)
    assert [m.to for m in mail.outbox] == [[stays.email]]
    assert Delivery.objects.get(subscriber=leaves).status == Delivery.Status.SKIPPED


def test_a_chunk_uses_one_connection_and_a_fixed_number_of_queries_per_message(
    settings, issue_with_block
):
    settings.EMAIL_BACKEND = "tests.newsletter.backends.CountingBackend"
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)

    def run(count: int) -> int:
        Delivery.objects.all().delete()
        Subscriber.objects.all().delete()
        SubscriberFactory.create_batch(count)
        delivery.deliveries_create(issue=issue_with_block)
        ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))
        CountingBackend.opened = 0
        with CaptureQueriesContext(connection) as queries:
            delivery.deliveries_send_chunk(
                issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
            )
        assert CountingBackend.opened == 1
        return len(queries)

    small, large = run(5), run(15)
    # Per message: mark the row sent and read the next subscriber, one statement on PostgreSQL,
    # two elsewhere; nothing else grows with the chunk.
    per_message = 1 if connection.vendor == "postgresql" else 2
    assert large - small == per_message * 10


def test_a_permanent_refusal_is_recorded_and_the_rest_still_goes(
    settings, issue_with_block, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "tests.newsletter.backends.RefusingBackend"
    SubscriberFactory(email="ok1@example.org")
    SubscriberFactory(email="perm@example.org")
    SubscriberFactory(email="ok2@example.org")
    _send(issue_with_block, django_capture_on_commit_callbacks)

    failed = Delivery.objects.get(subscriber__email="perm@example.org")
    assert failed.status == Delivery.Status.FAILED
    assert "550" in failed.last_error
    assert sorted(m.to[0] for m in mail.outbox) == ["ok1@example.org", "ok2@example.org"]
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENT


def test_a_temporary_refusal_puts_the_rest_back_and_gives_up_after_max_attempts(
    settings, issue_with_block
):
    settings.EMAIL_BACKEND = "tests.newsletter.backends.RefusingBackend"
    settings.NEWSLETTER_MAX_ATTEMPTS = 2
    SubscriberFactory(email="temp@example.org")
    SubscriberFactory(email="zz@example.org")
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    first = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )
    assert first.temporary_error.startswith("SMTPRecipientsRefused")
    assert first.released == 2
    assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}

    second = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )
    assert second.temporary_error
    temp = Delivery.objects.get(subscriber__email="temp@example.org")
    assert (temp.status, temp.attempts) == (Delivery.Status.FAILED, 2)

    third = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )
    assert third.sent == 1
    assert [m.to for m in mail.outbox] == [["zz@example.org"]]


def test_a_lost_connection_does_not_use_up_attempts(settings, issue_with_block):
    settings.EMAIL_BACKEND = "tests.newsletter.backends.RefusingBackend"
    SubscriberFactory(email="down@example.org")
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    row = Delivery.objects.get()
    outcome = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=row.pk, last_id=row.pk
    )
    assert outcome.temporary_error.startswith("SMTPServerDisconnected")
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Delivery.Status.PENDING, 0)


def test_the_task_retries_a_temporary_error_with_backoff(settings, issue_with_block, monkeypatch):
    from newsletter import tasks

    settings.EMAIL_BACKEND = "tests.newsletter.backends.RefusingBackend"
    SubscriberFactory(email="temp@example.org")
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    row = Delivery.objects.get()
    countdowns = []

    def fake_retry(*args, countdown=None, **kwargs):
        countdowns.append(countdown)
        return RuntimeError("retry")

    monkeypatch.setattr(tasks.send_chunk, "retry", fake_retry)
    with pytest.raises(RuntimeError):
        tasks.send_chunk.run(issue_with_block.pk, row.pk, row.pk)
    assert countdowns == [30]


def test_the_rate_limit_holds_messages_to_the_configured_rate(monkeypatch):
    clock = {"now": 1000.0}
    sleeps = []
    monkeypatch.setattr(transport.time, "time", lambda: clock["now"])

    def sleep(seconds):
        sleeps.append(seconds)
        clock["now"] += seconds

    monkeypatch.setattr(transport.time, "sleep", sleep)
    limiter = transport.RateLimiter(3)
    for _ in range(7):
        limiter.wait()
    # 3 in the first second, 3 in the second, the 7th waits for the third second.
    assert len(sleeps) == 2
    assert clock["now"] == pytest.approx(1002.0)


def test_with_the_cache_away_a_chunk_gives_its_rows_back_when_its_time_is_up(
    settings, issue_with_block, monkeypatch
):
    """The limiter cannot count while Redis is away: the chunk pauses, then at its deadline gives
    the rest back to pending (never outliving its claim, which the sweeper would hand to
    another worker) and sends nothing."""
    settings.NEWSLETTER_CHUNK_SECONDS = 0.2
    settings.NEWSLETTER_RATE_LIMIT = 5

    def away(*args, **kwargs):
        raise ValueError("the cache is away")

    monkeypatch.setattr(transport.cache, "incr", away)
    SubscriberFactory(email="one@example.org")
    SubscriberFactory(email="two@example.org")
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    ids = list(Delivery.objects.order_by("pk").values_list("pk", flat=True))

    outcome = delivery.deliveries_send_chunk(
        issue_id=issue_with_block.pk, first_id=ids[0], last_id=ids[-1]
    )

    assert outcome.continue_later and outcome.released == 2 and outcome.sent == 0
    assert not mail.outbox
    assert set(Delivery.objects.values_list("status", flat=True)) == {Delivery.Status.PENDING}


def test_the_dispatcher_starts_due_issues_only(django_capture_on_commit_callbacks):
    SubscriberFactory(language="es")
    now = timezone.now()
    due = IssueFactory(languages=["es"])
    later = IssueFactory(languages=["es"])
    for issue in (due, later):
        BlockFactory(issue=issue)
    issues.issue_schedule(issue=due, at=now + timedelta(minutes=5))
    issues.issue_schedule(issue=later, at=now + timedelta(hours=5))

    with django_capture_on_commit_callbacks(execute=True):
        assert issues.issues_dispatch_due() == []
    with (
        time_machine.travel(now + timedelta(minutes=6)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert issues.issues_dispatch_due() == [due.pk]
    due.refresh_from_db()
    later.refresh_from_db()
    assert due.status == Issue.Status.SENT
    assert later.status == Issue.Status.SCHEDULED
    assert len(mail.outbox) == 1


def test_a_cancelled_issue_is_not_dispatched(issue_with_block, django_capture_on_commit_callbacks):
    SubscriberFactory(language="es")
    now = timezone.now()
    issues.issue_schedule(issue=issue_with_block, at=now + timedelta(minutes=1))
    issues.issue_cancel(issue=issue_with_block)
    with (
        time_machine.travel(now + timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert issues.issues_dispatch_due() == []
    assert mail.outbox == []


def test_scheduling_refuses_the_past_and_an_empty_issue():
    empty = IssueFactory(languages=["es"])
    with pytest.raises(issues.IssueError, match="at least one block"):
        issues.issue_schedule(issue=empty, at=timezone.now() + timedelta(hours=1))
    BlockFactory(issue=empty)
    with pytest.raises(issues.IssueError, match="future"):
        issues.issue_schedule(issue=empty, at=timezone.now() - timedelta(minutes=1))


def test_the_sweeper_gives_rows_of_a_dead_worker_back_and_requeues_the_issue(
    issue_with_block, django_capture_on_commit_callbacks
):
    SubscriberFactory.create_batch(3)
    long_ago = timezone.now() - timedelta(minutes=30)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENDING, send_started_at=long_ago, enqueued_at=long_ago
    )
    delivery.deliveries_create(issue=issue_with_block)
    # A worker claimed every row half an hour ago, then died.
    Delivery.objects.update(status=Delivery.Status.SENDING, claimed_at=long_ago)
    from newsletter.rendering import freeze_editions

    freeze_editions(issue_with_block)

    with django_capture_on_commit_callbacks(execute=True):
        result = delivery.deliveries_requeue_stuck()

    assert result.reset == 3
    assert result.requeued_issues == [issue_with_block.pk]
    assert len(mail.outbox) == 3
    issue_with_block.refresh_from_db()
    assert issue_with_block.status == Issue.Status.SENT


def test_the_sweeper_leaves_a_live_send_alone(issue_with_block):
    SubscriberFactory.create_batch(2)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENDING, send_started_at=timezone.now(), enqueued_at=timezone.now()
    )
    delivery.deliveries_create(issue=issue_with_block)
    Delivery.objects.filter(pk=Delivery.objects.first().pk).update(
        status=Delivery.Status.SENDING, claimed_at=timezone.now()
    )
    result = delivery.deliveries_requeue_stuck()
    assert (result.reset, result.requeued_issues) == (0, [])
    assert Delivery.objects.filter(status=Delivery.Status.SENDING).count() == 1


def test_progress_counts_sent_failed_skipped_and_remaining(issue_with_block):
    rows = SubscriberFactory.create_batch(5)
    Issue.objects.filter(pk=issue_with_block.pk).update(status=Issue.Status.SENDING)
    delivery.deliveries_create(issue=issue_with_block)
    now = timezone.now()
    Delivery.objects.filter(subscriber__in=rows[:2]).update(status="sent", sent_at=now)
    Delivery.objects.filter(subscriber=rows[2]).update(status="failed")
    Delivery.objects.filter(subscriber=rows[3]).update(status="skipped")
    progress = selectors.issue_progress(issue=issue_with_block)
    assert (progress.total, progress.sent, progress.failed, progress.skipped) == (5, 2, 1, 1)
    assert progress.remaining == 1
    assert progress.percent == 80
    assert progress.per_second == pytest.approx(2, abs=0.05)  # two at once: within one second


def test_the_rate_is_measured_over_the_time_the_messages_took(issue_with_block):
    rows = SubscriberFactory.create_batch(7)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENT, send_started_at=timezone.now(), sent_at=timezone.now()
    )
    delivery.deliveries_create(issue=issue_with_block)
    start = timezone.now() - timedelta(seconds=1)
    for index, row in enumerate(rows):  # seven in one second
        Delivery.objects.filter(subscriber=row).update(
            status="sent", sent_at=start + timedelta(seconds=index / 6)
        )
    issue_with_block.refresh_from_db()
    assert selectors.issue_progress(issue=issue_with_block).per_second == pytest.approx(7, abs=0.1)


def test_a_running_send_reports_its_rate_over_the_last_minute(issue_with_block):
    rows = SubscriberFactory.create_batch(30)
    Issue.objects.filter(pk=issue_with_block.pk).update(
        status=Issue.Status.SENDING, send_started_at=timezone.now() - timedelta(minutes=5)
    )
    delivery.deliveries_create(issue=issue_with_block)
    now = timezone.now()
    for index, row in enumerate(rows[:20]):  # one every 3 s over the last minute
        Delivery.objects.filter(subscriber=row).update(
            status="sent", sent_at=now - timedelta(seconds=60 - 3 * index)
        )
    for row in rows[20:]:  # long before
        Delivery.objects.filter(subscriber=row).update(
            status="sent", sent_at=now - timedelta(minutes=4)
        )
    issue_with_block.refresh_from_db()
    rate = selectors.issue_progress(issue=issue_with_block).per_second
    assert rate == pytest.approx(1 / 3, abs=0.05)


def test_bulletin_tasks_run_on_the_bulk_queue_and_beat_tasks_exist(settings):
    from iapt_platform.celery import app

    app.loader.import_default_modules()
    assert settings.CELERY_TASK_ROUTES["newsletter.tasks.send_chunk"] == {"queue": "bulk"}
    assert settings.CELERY_TASK_ROUTES["newsletter.tasks.prepare_issue"] == {"queue": "bulk"}
    for name in ("dispatch_due_issues", "requeue_stuck_deliveries", "send_chunk", "prepare_issue"):
        assert f"newsletter.tasks.{name}" in app.tasks
