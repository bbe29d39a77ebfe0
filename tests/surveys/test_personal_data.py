"""A person's answers are in their data download; closing the account keeps their choices in the
totals, without them, and deletes their free text."""

from datetime import timedelta

import time_machine

from community.surveys.models import Answer, Invitation, Response
from community.surveys.selectors import personal_data_of, results
from community.surveys.services import Respondent, response_submit
from iapt_platform.accounts import services as account_services

from .conftest import ENDS, make_survey


def answer(survey, respondent, text="Mi idea personal"):
    scale, single, _multiple, free = survey.questions.order_by("position")
    return response_submit(
        survey=survey,
        respondent=respondent,
        answers={scale: 5, single: single.choices.first().pk, free: text},
        language="es",
    )


def test_the_data_download_holds_the_persons_answers_only(member, moderator):
    survey = make_survey()
    answer(survey, Respondent(user=member))
    answer(survey, Respondent(user=moderator), text="Idea de otra persona")
    [entry] = personal_data_of(member).data
    assert entry["survey"] == "How was it?"
    texts = [a["text"] for a in entry["answers"]]
    assert "Mi idea personal" in texts and "Idea de otra persona" not in texts
    assert {a["value"] for a in entry["answers"]} >= {5}


def test_closing_an_account_keeps_the_counts_and_deletes_the_free_text(
    ended_meeting, attendees, django_capture_on_commit_callbacks
):
    survey = make_survey(meeting=ended_meeting)
    andrea = attendees[1]
    invitation = Invitation.objects.create(survey=survey, registration=andrea, language="en")
    with time_machine.travel(ENDS + timedelta(hours=1), tick=False):
        answer(survey, Respondent(user=andrea.user, invitation=invitation))
        with django_capture_on_commit_callbacks(execute=True):
            account_services.account_close(user=andrea.user)
    response = Response.objects.get()
    assert response.user is None and response.invitation == invitation
    assert not Answer.objects.exclude(text="").exists()
    scale = survey.questions.get(kind="scale")
    found = {r.question.pk: r for r in results(survey=survey, language="en")}
    assert dict((label, n) for label, n, _l in found[scale.pk].section.rows)["5"] == 1
    # The invitation stays, so the survey is neither sent again nor answered twice by its link.
    assert Invitation.objects.filter(registration=andrea).exists()
