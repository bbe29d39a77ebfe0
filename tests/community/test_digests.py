"""Digests with real time travel: one email per day with exactly the new posts in what the member
watches, nothing on a quiet day, no duplicate when the task runs twice."""

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from community import digests, services, tasks
from community.models import Digest, Watch
from tests.factories import InitiativeFactory, UserFactory
from tests.library.factories import ResourceFactory
from tests.meetings.factories import MeetingFactory

from . import factories

pytestmark = pytest.mark.django_db
BOGOTA = ZoneInfo("America/Bogota")  # UTC-5 all year


def local(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, 3, day, hour, minute, tzinfo=BOGOTA)


@pytest.fixture
def diana(db):
    user = UserFactory(
        email="diana@example.org",
        display_name="Diana",
        language="pt-br",
        time_zone="America/Bogota",
    )
    factories.profile(user, handle="diana", email_frequency="daily")
    return user


def post_ids(message) -> set[int]:
    return {int(n) for n in re.findall(r"/community/p/(\d+)/", message.body)}


def run_digests(capture) -> list:
    before = len(mail.outbox)
    with capture(execute=True):
        tasks.send_due_digests.delay()
    return mail.outbox[before:]


def test_a_daily_digest_lists_exactly_the_new_posts_once_per_day(
    diana, alice, bruno, carla, established, no_rate_limit, django_capture_on_commit_callbacks
):
    capture = django_capture_on_commit_callbacks
    with time_machine.travel(local(1, 9), tick=False) as clock:
        watched = factories.thread(alice, title="Hilo vigilado")
        unwatched = factories.thread(alice, title="Hilo ajeno")
        other_category = factories.category("digital-economy")
        Watch.objects.create(user=diana, thread=watched)
        Watch.objects.create(user=diana, category=other_category)

        # Day 1's digest arrives on the morning of day 2, with the thread she watches.
        clock.move_to(local(2, 7))
        sent = run_digests(capture)
        assert len(sent) == 1 and post_ids(sent[0]) == {watched.posts.get().pk}

        # Day 2 (local): what she watches gets three posts; other things happen too.
        clock.move_to(local(2, 10))
        in_thread = services.post_reply(user=bruno, thread=watched, body="Respuesta en el hilo")
        new_thread = services.thread_start(
            user=carla, category=other_category, title="Tema nuevo", body="Abre el tema"
        )
        in_new_thread = services.post_reply(user=alice, thread=new_thread, body="Y una respuesta")
        services.post_reply(user=bruno, thread=unwatched, body="No vigilado")
        services.post_reply(user=diana, thread=watched, body="Lo mío no cuenta")
        hidden = services.post_reply(user=carla, thread=watched, body="Luego oculto")
        hidden.hidden = True
        hidden.save()

        # Before 06:00 local the day is not due yet.
        clock.move_to(local(3, 5))
        assert run_digests(capture) == []

        clock.move_to(local(3, 7))
        sent = run_digests(capture)
        assert len(sent) == 1
        message = sent[0]
        assert message.to == [diana.email] and message.extra_headers["Content-Language"] == "pt-br"
        opening = new_thread.posts.get(is_opening=True)
        assert post_ids(message) == {in_thread.pk, opening.pk, in_new_thread.pk}
        assert "/community/email/" in message.body  # the one-click frequency link
        assert "Hilo vigilado" in message.body and "Hilo ajeno" not in message.body

        # The task runs again the same day (or twice at once): nothing more.
        clock.move_to(local(3, 20))
        assert run_digests(capture) == []
        assert (
            digests.digest_send(
                user_id=diana.pk,
                kind="daily",
                period_start=local(2, 0).astimezone(dt.UTC),
                period_end=local(3, 0).astimezone(dt.UTC),
            )
            is None
        )

        # Day 3 is quiet: no email, but the period is recorded as done.
        clock.move_to(local(4, 7))
        assert run_digests(capture) == []
        quiet = Digest.objects.get(user=diana, period_start=local(3, 0))
        assert (quiet.sent, quiet.item_count) == (False, 0)

        # Day 4: a post at 23:30 local (04:30 UTC the next day) belongs to day 4.
        clock.move_to(local(4, 23, 30))
        late = services.post_reply(user=bruno, thread=watched, body="Tarde en la noche")
        clock.move_to(local(5, 0, 30))
        next_day = services.post_reply(user=bruno, thread=watched, body="Ya es otro día")
        clock.move_to(local(5, 6, 30))
        sent = run_digests(capture)
        assert len(sent) == 1 and post_ids(sent[0]) == {late.pk}

        clock.move_to(local(6, 8))
        sent = run_digests(capture)
        assert len(sent) == 1 and post_ids(sent[0]) == {next_day.pk}

    assert Digest.objects.filter(user=diana, sent=True).count() == 4
    assert Digest.objects.filter(user=diana).count() == 5  # days 1 to 5, one row each


def test_a_weekly_digest_covers_monday_to_sunday_with_platform_news(
    alice, bruno, established, django_capture_on_commit_callbacks
):
    weekly = UserFactory(language="en", time_zone="America/Bogota")
    factories.profile(weekly, email_frequency="weekly")
    with time_machine.travel(local(2, 9), tick=False) as clock:  # Monday 2 March 2026
        thread = factories.thread(alice, title="Semana")
        Watch.objects.create(user=weekly, thread=thread)
        clock.move_to(local(4, 12))
        reply = services.post_reply(user=bruno, thread=thread, body="A mitad de semana")
        InitiativeFactory(name="Clúster del Cacao", published_at=dt.datetime.now(dt.UTC))
        ResourceFactory(title="Guía de evaluación de impacto")
        MeetingFactory(title_en="Digital economy webinar", starts_at=local(20, 10))
        clock.move_to(local(8, 12))  # Sunday: the week is not over
        assert run_digests(django_capture_on_commit_callbacks) == []
        clock.move_to(local(9, 8))  # Monday morning
        sent = run_digests(django_capture_on_commit_callbacks)
        assert len(sent) == 1
        assert post_ids(sent[0]) == {thread.posts.get(is_opening=True).pk, reply.pk}
        assert "Clúster del Cacao" in sent[0].body
        assert "Guía de evaluación de impacto" in sent[0].body
        assert "Digital economy webinar" in sent[0].body  # in the member's language
        assert "weekly" in sent[0].subject.lower()
        clock.move_to(local(10, 8))
        assert run_digests(django_capture_on_commit_callbacks) == []


def test_members_on_immediate_or_no_email_get_no_digest(alice, bruno, established):
    factories.profile(bruno, email_frequency="none")
    with time_machine.travel(local(3, 8), tick=False):
        assert list(digests.digests_due()) == []


def test_periods_follow_the_members_zone():
    now = dt.datetime(2026, 3, 3, 12, 0, tzinfo=dt.UTC)
    start, end = digests.period_for(kind="daily", now=now, zone="Asia/Tokyo")
    assert (start, end) == (
        dt.datetime(2026, 3, 1, 15, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC),
    )
    start, end = digests.period_for(kind="weekly", now=now, zone="America/Bogota")
    assert (start, end) == (
        dt.datetime(2026, 2, 23, 5, 0, tzinfo=dt.UTC),
        dt.datetime(2026, 3, 2, 5, 0, tzinfo=dt.UTC),
    )


def test_a_long_digest_says_how_many_more_posts_there_are(
    diana, alice, bruno, established, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(digests, "MAX_POSTS", 2)
    diana.language = "en"
    diana.save()
    with time_machine.travel(local(1, 9), tick=False) as clock:
        thread = factories.thread(alice, title="Muy activo")
        Watch.objects.create(user=diana, thread=thread)
        for n in range(2):
            services.post_reply(user=bruno, thread=thread, body=f"Respuesta {n}")
        clock.move_to(local(2, 8))
        sent = run_digests(django_capture_on_commit_callbacks)
    assert len(post_ids(sent[0])) == 2
    assert "and 1 more post in the forum" in sent[0].body


def test_digests_carry_no_contact_detail_of_authors_or_initiatives(
    alice, bruno, established, django_capture_on_commit_callbacks
):
    # Alice shows her email to members and hides her phone; the initiative hides its contact.
    factories.profile(alice, phone="+52 81 5555 0000", phone_visibility="hidden")
    factories.profile(alice, email_visibility="members")
    weekly = UserFactory(language="en", time_zone="America/Bogota")
    factories.profile(weekly, email_frequency="weekly")
    with time_machine.travel(local(2, 9), tick=False) as clock:
        thread = factories.thread(alice, title="Semana")
        Watch.objects.create(user=weekly, thread=thread)
        clock.move_to(local(4, 12))
        services.post_reply(user=bruno, thread=thread, body="A mitad de semana")
        InitiativeFactory(
            name="Clúster del Cacao",
            published_at=dt.datetime.now(dt.UTC),
            contact_email="hidden@cacao.example.org",
            contact_email_visibility="hidden",
            contact_phone="+593 99 111 2233",
            contact_phone_visibility="members",
        )
        clock.move_to(local(9, 8))
        sent = run_digests(django_capture_on_commit_callbacks)
    assert len(sent) == 1 and "Clúster del Cacao" in sent[0].body
    bodies = [sent[0].body, *(body for body, _type in sent[0].alternatives)]
    for secret in ("5555", "hidden@cacao.example.org", "+593 99 111 2233", alice.email):
        assert all(secret not in body for body in bodies), secret
