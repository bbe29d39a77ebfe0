"""A meeting's survey goes to its attendees once each, after the meeting ends, in each one's
language, through the one email helper; running the task again sends nothing more."""

import re
from datetime import timedelta

import time_machine
from django.core import mail

from community.meetings import services as meeting_services
from community.surveys import tasks
from community.surveys.models import Invitation

from .conftest import ENDS, make_survey


def run_task_at(moment, committed) -> list:
    mail.outbox.clear()
    with time_machine.travel(moment, tick=False), committed():
        tasks.send_due_invitations.delay()
    return list(mail.outbox)


def test_nothing_goes_before_the_meeting_ends(ended_meeting, attendees, committed):
    make_survey(meeting=ended_meeting)
    assert run_task_at(ENDS - timedelta(minutes=1), committed) == []
    assert Invitation.objects.count() == 0


def test_the_survey_goes_once_to_each_attendee_even_when_the_task_runs_twice(
    ended_meeting, attendees, committed
):
    survey = make_survey(meeting=ended_meeting)
    sent = run_task_at(ENDS + timedelta(minutes=10), committed)
    assert sorted(m.to[0] for m in sent) == [
        "andrea@example.org",
        "joao@example.net",
        "rosa@example.net",
    ]
    assert run_task_at(ENDS + timedelta(minutes=20), committed) == []
    assert Invitation.objects.filter(survey=survey).count() == 3
    # Attendance recorded later: only the latecomer hears of it.
    late = attendees[3]
    late.attended = True
    late.save()
    [message] = run_task_at(ENDS + timedelta(days=1), committed)
    assert message.to == ["noshow@example.net"]


def test_each_email_is_in_its_readers_language_with_a_link_in_it(
    ended_meeting, attendees, committed
):
    make_survey(meeting=ended_meeting)
    sent = {m.to[0]: m for m in run_task_at(ENDS + timedelta(minutes=10), committed)}
    spanish, english, portuguese = (
        sent["rosa@example.net"],
        sent["andrea@example.org"],  # the account says English; the registration said Spanish
        sent["joao@example.net"],
    )
    assert spanish.extra_headers["Content-Language"] == "es"
    assert "¿Cómo estuvo?" in spanish.subject
    assert re.search(r"http://testserver/surveys/i/[\w-]+/", spanish.body)
    assert english.extra_headers["Content-Language"] == "en"
    assert "How was it?" in english.subject
    assert re.search(r"http://testserver/en/surveys/i/[\w-]+/", english.body)
    assert portuguese.extra_headers["Content-Language"] == "pt-br"
    assert "Como foi?" in portuguese.subject
    assert re.search(r"http://testserver/pt-br/surveys/i/[\w-]+/", portuguese.body)
    html = english.alternatives[0][0]
    assert "How was it?" in html and "/en/surveys/i/" in html


def test_drafts_closed_surveys_and_cancelled_meetings_send_nothing(
    ended_meeting, attendees, committed
):
    draft = make_survey(meeting=ended_meeting, published=False)
    closed = make_survey(meeting=ended_meeting, closes_at=ENDS + timedelta(minutes=5))
    assert run_task_at(ENDS + timedelta(minutes=10), committed) == []
    assert not Invitation.objects.filter(survey__in=[draft, closed]).exists()


def test_recording_attendance_sends_the_survey_without_waiting_for_beat(
    ended_meeting, attendees, committed
):
    make_survey(meeting=ended_meeting)
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        mail.outbox.clear()
        with committed():
            meeting_services.attendance_set(
                meeting=ended_meeting, attended_ids={attendees[0].pk, attendees[1].pk}
            )
        assert sorted(m.to[0] for m in mail.outbox) == ["andrea@example.org", "rosa@example.net"]


def test_publishing_after_the_meeting_sends_at_once(
    ended_meeting, attendees, committed, client, moderator
):
    survey = make_survey(meeting=ended_meeting, published=False)
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False), committed():
        client.force_login(moderator)  # in 2030: a session started today would have expired
        response = client.post(f"/en/surveys/staff/{survey.pk}/publish/", {"action": "publish"})
    assert response.status_code == 302
    assert len(mail.outbox) == 3


def test_a_closed_account_is_never_written_to(ended_meeting, attendees, committed):
    from iapt_platform.accounts.personal_data import Closing

    make_survey(meeting=ended_meeting)
    andrea = attendees[1].user
    with time_machine.travel(ENDS + timedelta(minutes=5), tick=False):
        meeting_services.participant_depart(closing=Closing(user=andrea))
    sent = run_task_at(ENDS + timedelta(minutes=10), committed)
    assert sorted(m.to[0] for m in sent) == ["joao@example.net", "rosa@example.net"]
