"""Answering: once per person (a database constraint too), refused clearly after closing or a
second time, with what was typed kept in the re-rendered form."""

import re
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction

from community.surveys.models import Answer, Invitation, Response, Survey
from community.surveys.services import Respondent, SurveyRefused, response_submit
from tests.factories import UserFactory

from .conftest import make_survey

NOW = datetime(2030, 4, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _clock():
    with time_machine.travel(NOW, tick=False):
        yield


def form_data(survey, *, improve="Más tiempo para preguntas"):
    scale, single, multiple, text = survey.questions.order_by("position")
    yes = single.choices.get(label_en="Yes")
    return {
        f"q{scale.pk}": "4",
        f"q{single.pk}": str(yes.pk),
        f"q{multiple.pk}": [str(c.pk) for c in multiple.choices.all()[:2]],
        f"q{text.pk}": improve,
    }


def test_a_member_answers_once_and_a_second_answer_is_refused_with_the_input_kept(
    member_client, member
):
    survey = make_survey()
    url = f"/en/surveys/{survey.pk}/"
    response = member_client.post(url, form_data(survey))
    assert response.status_code == 302
    [answer] = Response.objects.filter(survey=survey, user=member)
    assert answer.answers.count() == 5  # scale, single, two choices, text
    # The page now says they answered, without a form.
    page = member_client.get(url)
    assert (
        b"You answered this survey on" in page.content
        and b'<form method="post" novalidate class="survey-answer"' not in page.content
    )
    # A second submission (another tab left open) is refused, and what was typed stays.
    again = member_client.post(url, form_data(survey, improve="Otra idea distinta"))
    assert again.status_code == 409
    assert b"You already answered this survey" in again.content
    assert b"Otra idea distinta" in again.content
    assert Response.objects.filter(survey=survey).count() == 1


def test_the_database_holds_one_answer_per_person_and_per_browser(member):
    survey = make_survey(audience=Survey.Audience.EVERYONE)
    Response.objects.create(survey=survey, user=member, language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, user=member, language="es")
    Response.objects.create(survey=survey, browser_key="abc", language="en")
    with pytest.raises(IntegrityError), transaction.atomic():
        Response.objects.create(survey=survey, browser_key="abc", language="en")


def test_the_service_refuses_a_second_answer_even_by_another_route(member):
    survey = make_survey()
    response_submit(survey=survey, respondent=Respondent(user=member), answers={}, language="en")
    with pytest.raises(SurveyRefused) as refused:
        response_submit(
            survey=survey, respondent=Respondent(user=member), answers={}, language="es"
        )
    assert refused.value.code == SurveyRefused.ALREADY


def test_after_closing_the_answer_is_refused_clearly_and_nothing_typed_is_lost(
    member_client, member
):
    survey = make_survey(closes_at=NOW + timedelta(minutes=30))
    url = f"/en/surveys/{survey.pk}/"
    assert member_client.get(url).status_code == 200  # the member opens it while open...
    with time_machine.travel(NOW + timedelta(hours=1), tick=False):  # ...and sends it too late
        member_client.force_login(member)
        response = member_client.post(url, form_data(survey, improve="Llegué tarde"))
        assert response.status_code == 409
        assert b"This survey closed on" in response.content
        assert b"your answers were not recorded" in response.content
        assert b"Llegu\xc3\xa9 tarde" in response.content
        assert re.search(rb'value="4"[^>]*checked', response.content)  # the mark stays ticked
        page = member_client.get(url)
        assert b"This survey closed on" in page.content
    assert not Response.objects.exists()


def test_missing_required_answers_are_marked_and_the_rest_is_kept(member_client):
    survey = make_survey()
    data = form_data(survey, improve="Guardado")
    scale = survey.questions.get(position=1)
    del data[f"q{scale.pk}"]
    response = member_client.post(f"/en/surveys/{survey.pk}/", data)
    assert response.status_code == 400
    assert b"Please answer this question." in response.content and b"Guardado" in response.content
    assert not Response.objects.exists()


def test_members_surveys_send_visitors_to_sign_in(client, db):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    response = client.get(f"/en/surveys/{survey.pk}/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_visitor_answers_a_survey_for_everyone_once_per_browser(client, db):
    survey = make_survey(audience=Survey.Audience.EVERYONE)
    url = f"/en/surveys/{survey.pk}/"
    assert client.get(url).status_code == 200
    assert "iapt_survey_browser" in client.cookies
    assert client.post(url, form_data(survey)).status_code == 302
    again = client.post(url, form_data(survey))
    assert again.status_code == 409 and b"You already answered" in again.content
    [answer] = Response.objects.all()
    assert answer.user is None and answer.browser_key


def test_visitors_answers_are_rate_limited_per_address(client, settings, db):
    settings.SURVEY_VISITOR_ANSWERS_PER_HOUR = 2
    survey = make_survey(audience=Survey.Audience.EVERYONE)
    url = f"/en/surveys/{survey.pk}/"
    for _n in range(2):
        client.cookies.clear()
        assert client.post(url, form_data(survey)).status_code == 302
    client.cookies.clear()
    refused = client.post(url, form_data(survey, improve="Tercera"))
    assert refused.status_code == 429 and b"Tercera" in refused.content
    assert Response.objects.count() == 2


def test_an_attendee_answers_from_the_emailed_link_without_signing_in(
    client, ended_meeting, attendees
):
    survey = make_survey(meeting=ended_meeting)
    invitation = Invitation.objects.create(survey=survey, registration=attendees[0], language="es")
    url = f"/surveys/i/{invitation.token}/"
    assert client.get(url).status_code == 200
    assert not Response.objects.exists()  # opening the link (a mail scanner) records nothing
    assert client.post(url, form_data(survey)).status_code == 302
    again = client.post(url, form_data(survey))
    assert again.status_code == 409
    [answer] = Response.objects.all()
    assert answer.invitation == invitation and answer.language == "es"


def test_the_link_of_an_attendee_with_an_account_counts_as_their_one_answer(
    client, ended_meeting, attendees
):
    survey = make_survey(meeting=ended_meeting)
    andrea = attendees[1]
    invitation = Invitation.objects.create(survey=survey, registration=andrea, language="en")
    assert client.post(f"/en/surveys/i/{invitation.token}/", form_data(survey)).status_code == 302
    client.force_login(andrea.user)
    response = client.post(f"/en/surveys/{survey.pk}/", form_data(survey))
    assert response.status_code == 409
    assert Response.objects.get().user == andrea.user


def test_the_meeting_page_links_attendees_to_the_survey_and_no_one_else(
    client, ended_meeting, attendees
):
    survey = make_survey(meeting=ended_meeting)
    andrea = attendees[1].user
    client.force_login(andrea)
    page = client.get(ended_meeting.get_absolute_url())
    assert f'href="/en/surveys/{survey.pk}/"'.encode() in page.content
    assert client.post(f"/en/surveys/{survey.pk}/", form_data(survey)).status_code == 302
    page = client.get(ended_meeting.get_absolute_url())
    assert b"You answered the survey. Thank you!" in page.content
    stranger = UserFactory(email="stranger@example.org")
    client.force_login(stranger)
    assert b"surveys/" not in client.get(ended_meeting.get_absolute_url()).content
    refused = client.get(f"/en/surveys/{survey.pk}/")
    assert refused.status_code == 403
    assert b"for the people who attended the meeting" in refused.content


def test_free_text_of_others_never_shows_on_the_answering_page(client, ended_meeting, attendees):
    survey = make_survey(meeting=ended_meeting)
    first = Invitation.objects.create(survey=survey, registration=attendees[0], language="es")
    client.post(f"/surveys/i/{first.token}/", form_data(survey, improve="Secreto de Rosa"))
    assert Answer.objects.filter(text="Secreto de Rosa").exists()
    client.force_login(attendees[1].user)
    page = client.get(f"/en/surveys/{survey.pk}/")
    assert page.status_code == 200 and b"Secreto de Rosa" not in page.content


def test_drafts_are_hidden_and_not_yet_open_surveys_take_no_answers(member_client):
    draft = make_survey(published=False)
    assert member_client.get(f"/en/surveys/{draft.pk}/").status_code == 404
    later = make_survey(opens_at=NOW + timedelta(days=1))
    page = member_client.get(f"/en/surveys/{later.pk}/")
    assert b"This survey opens on" in page.content
    refused = member_client.post(f"/en/surveys/{later.pk}/", form_data(later))
    assert refused.status_code == 409 and not Response.objects.exists()


def test_the_list_shows_open_surveys_to_their_audience(client, member_client):
    members = make_survey(audience=Survey.Audience.MEMBERS)
    everyone = make_survey(audience=Survey.Audience.EVERYONE, title_en="Open to all")
    page = member_client.get("/en/surveys/")
    assert f"/en/surveys/{members.pk}/".encode() in page.content
    assert f"/en/surveys/{everyone.pk}/".encode() in page.content
