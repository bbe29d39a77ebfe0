"""The builder (one form, three languages, reorder), the results (charts and tables that match
the answers, free text for moderators only), the CSV, and fixed query counts."""

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community.surveys.models import Choice, Response, Survey
from community.surveys.selectors import results
from community.surveys.services import Respondent, response_submit
from tests.factories import UserFactory

from .conftest import make_survey


@pytest.fixture
def staff(client, moderator):
    client.force_login(moderator)
    return client


def management(prefix: str, total: int, initial: int) -> dict:
    return {
        f"{prefix}-TOTAL_FORMS": str(total),
        f"{prefix}-INITIAL_FORMS": str(initial),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }


def builder_post(**questions) -> dict:
    data = {
        "title_es": "Encuesta de socios",
        "title_en": "Members' survey",
        "title_pt_br": "Pesquisa de membros",
        "intro_es": "Dos minutos.",
        "audience": "members",
        "meeting": "",
        "opens_at": "",
        "closes_at": "2030-06-01T18:00",
        **management("questions", 2, 0),
    }
    data.update(questions)
    return data


def test_a_moderator_builds_a_survey_in_three_languages_and_reorders_it(staff, moderator):
    response = staff.post(
        "/en/surveys/staff/new/",
        builder_post(
            **{
                "questions-0-position": "2",
                "questions-0-kind": "single",
                "questions-0-text_es": "¿Volverías?",
                "questions-0-text_en": "Would you come back?",
                "questions-0-text_pt_br": "Você voltaria?",
                "questions-0-required": "on",
                "questions-0-choices_es": "Sí\nNo\n",
                "questions-0-choices_en": "Yes\nNo",
                "questions-0-choices_pt_br": "Sim\nNão",
                "questions-1-position": "1",
                "questions-1-kind": "scale",
                "questions-1-text_es": "Utilidad",
                "questions-1-text_en": "Usefulness",
            }
        ),
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    survey = Survey.objects.get()
    assert survey.created_by == moderator and survey.title_pt_br == "Pesquisa de membros"
    assert survey.closes_at == datetime(2030, 6, 1, 23, 0, tzinfo=UTC)  # 18:00 in Guayaquil
    first, second = survey.questions.order_by("position")
    assert (first.kind, first.position, first.required) == ("scale", 1, False)
    assert (second.text_en, second.position) == ("Would you come back?", 2)
    assert [(c.label_es, c.label_en, c.label_pt_br) for c in second.choices.all()] == [
        ("Sí", "Yes", "Sim"),
        ("No", "No", "Não"),
    ]
    # Reordered on the same form: the scale goes last.
    data = builder_post(
        **{
            **management("questions", 2, 2),
            "questions-0-id": str(first.pk),
            "questions-0-position": "5",
            "questions-0-kind": "scale",
            "questions-0-text_es": "Utilidad",
            "questions-1-id": str(second.pk),
            "questions-1-position": "1",
            "questions-1-kind": "single",
            "questions-1-text_es": "¿Volverías?",
            "questions-1-choices_es": "Sí\nNo\nTal vez",
        }
    )
    assert staff.post(f"/en/surveys/staff/{survey.pk}/", data).status_code == 302
    assert list(survey.questions.order_by("position").values_list("kind", "position")) == [
        ("single", 1),
        ("scale", 2),
    ]
    assert second.choices.count() == 3


def test_the_builder_refuses_what_would_not_make_a_question_and_keeps_the_input(staff):
    response = staff.post(
        "/en/surveys/staff/new/",
        builder_post(
            **{
                "questions-0-kind": "multiple",
                "questions-0-text_es": "Temas que quieres",
                "questions-0-choices_es": "Solo una",
                "questions-1-kind": "single",
                "questions-1-text_es": "Dos opciones",
                "questions-1-choices_es": "A\nB",
                "questions-1-choices_en": "A",
            }
        ),
    )
    assert response.status_code == 400
    assert b"Write at least two choices" in response.content
    assert b"Write as many choices as in Spanish (2), or none." in response.content
    assert b"Temas que quieres" in response.content
    assert not Survey.objects.exists()


def test_answered_questions_keep_their_kind_and_number_of_choices(staff, member):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    single = survey.questions.get(kind="single")
    response_submit(
        survey=survey,
        respondent=Respondent(user=member),
        answers={single: single.choices.first().pk},
        language="en",
    )
    questions = list(survey.questions.order_by("position"))
    data = builder_post(**management("questions", 4, 4))
    for index, question in enumerate(questions):
        data.update(
            {
                f"questions-{index}-id": str(question.pk),
                f"questions-{index}-position": str(question.position),
                f"questions-{index}-kind": question.kind,
                f"questions-{index}-text_es": question.text_es,
                f"questions-{index}-choices_es": "\n".join(
                    c.label_es for c in question.choices.all()
                ),
            }
        )
    data["questions-1-choices_es"] = "Sí, claro\nNo\nQuizás"
    refused = staff.post(f"/en/surveys/staff/{survey.pk}/", data)
    assert refused.status_code == 400 and b"keep its 2 choices" in refused.content
    data["questions-1-choices_es"] = "Sí, claro\nNo"  # rewording is fine
    assert staff.post(f"/en/surveys/staff/{survey.pk}/", data).status_code == 302
    assert single.choices.first().label_es == "Sí, claro"
    assert Response.objects.get().answers.get().choice.label_es == "Sí, claro"


def answer_many(survey, people: list, *, offset: int = 0) -> list[dict]:
    """Each person answers; returns what they answered (by English label) for the checks."""
    scale, single, multiple, text = survey.questions.order_by("position")
    yes, no = single.choices.order_by("position")
    topics = list(multiple.choices.order_by("position"))
    given = []
    for n, person in enumerate(people, start=offset):
        answer = {
            scale: 1 + n % 5,
            single: (yes if n % 3 else no).pk,
            multiple: [c.pk for i, c in enumerate(topics) if (n + i) % 2 == 0],
        }
        if n % 2 == 0:
            answer[text] = f"Idea número {n}"
        response_submit(
            survey=survey, respondent=Respondent(user=person), answers=answer, language="en"
        )
        given.append(answer)
    return given


def test_results_match_the_answers(staff):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    people = [UserFactory() for _n in range(7)]
    given = answer_many(survey, people)
    scale, single, multiple, text = survey.questions.order_by("position")
    found = {r.question.pk: r for r in results(survey=survey, language="en")}
    expected_scale = [sum(1 for g in given if g[scale] == mark) for mark in range(1, 6)]
    assert [count for _label, count, _link in found[scale.pk].section.rows] == expected_scale
    assert found[scale.pk].average == round(sum(g[scale] for g in given) / len(given), 2)
    for choice in single.choices.all():
        row = dict((label, n) for label, n, _l in found[single.pk].section.rows)
        assert row[choice.label_en] == sum(1 for g in given if g[single] == choice.pk)
    for choice in multiple.choices.all():
        row = dict((label, n) for label, n, _l in found[multiple.pk].section.rows)
        assert row[choice.label_en] == sum(1 for g in given if choice.pk in g[multiple])
    assert found[multiple.pk].answered == sum(1 for g in given if g[multiple])
    assert [a.text for a in found[text.pk].texts] == [g[text] for g in given if text in g]
    # The page shows the same numbers, in a table under each chart, and the free text.
    page = staff.get(f"/en/surveys/staff/{survey.pk}/results/").content.decode()
    assert "7 people answered" in page
    assert "<svg" in page and "Idea número 4" in page
    yes = single.choices.get(label_en="Yes")
    yes_count = sum(1 for g in given if g[single] == yes.pk)
    assert f'<th scope="row">Yes</th><td class="number">{yes_count}</td>' in page


def test_the_csv_has_one_row_per_answer_and_no_names(staff):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    people = [UserFactory(display_name=f"Persona Secreta {n}") for n in range(3)]
    answer_many(survey, people)
    response = staff.get(f"/en/surveys/staff/{survey.pk}/results.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == [
        "response",
        "submitted_at_utc",
        "language",
        "1. Usefulness",
        "2. Come back?",
        "3. Topics",
        "4. What would you improve?",
    ]
    assert len(rows) == 4
    assert rows[1][3:] == ["1", "No", "Financing; Digital", "Idea número 0"]
    assert rows[2][3:] == ["2", "Yes", "Impact", ""]
    assert "Secreta" not in text


def test_results_csv_and_builder_are_for_moderators_only(client, member, moderator_without_totp):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    answer_many(survey, [member])
    addresses = [
        f"/en/surveys/staff/{survey.pk}/results/",
        f"/en/surveys/staff/{survey.pk}/results.csv",
        f"/en/surveys/staff/{survey.pk}/",
        "/en/surveys/staff/",
    ]
    for address in addresses:
        visitor = client.get(address)
        assert visitor.status_code == 302 and "/accounts/login/" in visitor["Location"]
    client.force_login(member)
    for address in addresses:
        response = client.get(address)
        assert response.status_code == 403 and b"Idea n" not in response.content
    client.force_login(moderator_without_totp)
    for address in addresses:
        assert client.get(address).status_code == 302  # sent to set up the second factor


def count_queries(client, address: str) -> int:
    client.get(address)  # warm: the frame's unread count is kept per member after a first read
    with CaptureQueriesContext(connection) as queries:
        assert client.get(address).status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_answers_or_surveys(staff):
    survey = make_survey(audience=Survey.Audience.MEMBERS)
    answer_many(survey, [UserFactory() for _n in range(2)])
    results_small = count_queries(staff, f"/en/surveys/staff/{survey.pk}/results/")
    csv_small = count_queries(staff, f"/en/surveys/staff/{survey.pk}/results.csv")
    list_small = count_queries(staff, "/en/surveys/staff/")
    answer_many(survey, [UserFactory() for _n in range(12)], offset=2)
    extra = make_survey(audience=Survey.Audience.EVERYONE)
    Choice.objects.create(
        question=extra.questions.get(kind="single"), position=3, label_es="Tal vez"
    )
    for _n in range(3):
        make_survey()
    assert count_queries(staff, f"/en/surveys/staff/{survey.pk}/results/") == results_small
    assert count_queries(staff, f"/en/surveys/staff/{survey.pk}/results.csv") == csv_small
    assert count_queries(staff, "/en/surveys/staff/") == list_small
    answering_small = count_queries(staff, f"/en/surveys/{survey.pk}/")
    assert count_queries(staff, f"/en/surveys/{extra.pk}/") == answering_small
