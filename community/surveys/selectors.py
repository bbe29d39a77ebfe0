"""Reads: the staff list, who may answer, the results (counted in the database) and the CSV."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from community.meetings.models import Meeting, Registration
from iapt_platform.accounts import roles
from iapt_platform.accounts.personal_data import Portion
from iapt_platform.lib.charts import ChartSection, chart_section
from iapt_platform.lib.translated import in_language

from .models import Answer, Choice, Invitation, Question, Response, Survey
from .services import Respondent, SurveyRefused


def survey_staff_list() -> QuerySet[Survey]:
    return (
        Survey.objects.select_related("meeting")
        .annotate(
            response_count=Count("responses", distinct=True),
            invitation_count=Count("invitations", distinct=True),
        )
        .order_by("-created_at", "-pk")
    )


CHOICES_IN_ORDER: Any = Prefetch("choices", queryset=Choice.objects.order_by("position", "pk"))


def _questions() -> Prefetch:
    return Prefetch(
        "questions",
        queryset=Question.objects.prefetch_related(CHOICES_IN_ORDER).order_by("position", "pk"),
    )


def survey_with_questions(*, pk: int, user: Any) -> Survey | None:
    """A published survey with its questions; moderators also see drafts (to check them)."""
    surveys = Survey.objects.select_related("meeting").prefetch_related(_questions())
    if not roles.is_moderator(user):
        surveys = surveys.published()
    return surveys.filter(pk=pk).first()


def invitation_from_token(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("registration__user", "survey__meeting")
        .prefetch_related(Prefetch("survey__questions", queryset=_questions().queryset))
        .filter(token=token, survey__published_at__isnull=False)
        .first()
    )


def attendance_of(*, meeting: Meeting | None, user: Any) -> Registration | None:
    if meeting is None or not user.is_authenticated:
        return None
    return (
        Registration.objects.filter(meeting=meeting, user=user, attended=True)
        .exclude(status=Registration.Status.CANCELLED)
        .first()
    )


def respondent_for(
    *, survey: Survey, user: Any, invitation: Invitation | None = None, browser_key: str = ""
) -> Respondent | None:
    """Who is answering; None when a visitor must sign in first. Raises SurveyRefused for
    someone the survey is not for."""
    account = user if user.is_authenticated else None
    if invitation is not None:
        registered = invitation.registration.user
        owner = registered if registered is not None and registered.is_active else None
        # The answer is the invitation's, whoever opened the link (a forwarded email, a shared
        # computer): it counts once, under the attendee's account if they have one.
        return Respondent(user=owner, invitation=invitation)
    if survey.audience == Survey.Audience.ATTENDEES:
        if account is None:
            return None
        registration = attendance_of(meeting=survey.meeting, user=account)
        if registration is None:
            raise SurveyRefused(
                SurveyRefused.NOT_ALLOWED,
                _("This survey is for the people who attended the meeting."),
            )
        sent = Invitation.objects.filter(survey=survey, registration=registration).first()
        return Respondent(user=account, invitation=sent)
    if survey.audience == Survey.Audience.MEMBERS:
        return Respondent(user=account) if account is not None else None
    if account is not None:
        return Respondent(user=account)
    return Respondent(browser_key=browser_key)


def meeting_survey_for(*, meeting: Meeting, user: Any) -> tuple[Survey, bool] | None:
    """The open survey of a meeting that this attendee may answer, and whether they have."""
    if not user.is_authenticated:
        return None
    now = timezone.now()
    if meeting.ends_at > now or attendance_of(meeting=meeting, user=user) is None:
        return None
    for survey in Survey.objects.published().filter(meeting=meeting).order_by("pk"):
        if survey.is_open(now=now):
            answered = survey.responses.filter(
                Q(user=user) | Q(invitation__registration__user=user)
            ).exists()
            return survey, answered
    return None


def open_surveys_for(*, user: Any) -> list[Survey]:
    """Surveys open now that this reader may answer without an invitation."""
    now = timezone.now()
    audiences = [Survey.Audience.EVERYONE]
    if user.is_authenticated:
        audiences.append(Survey.Audience.MEMBERS)
    surveys = (
        Survey.objects.published()
        .filter(audience__in=audiences)
        .filter(Q(opens_at__isnull=True) | Q(opens_at__lte=now))
        .filter(Q(closes_at__isnull=True) | Q(closes_at__gt=now))
        .order_by("closes_at", "-published_at")
    )
    return list(surveys)


# --- Results -------------------------------------------------------------------------------------
@dataclass
class QuestionResult:
    question: Question
    label: str
    answered: int  # people who answered it
    section: ChartSection | None = None
    texts: list[Answer] = field(default_factory=list)
    average: float | None = None


def _label(obj: Any, field_name: str, language: str) -> str:
    return in_language(obj, field_name, language).text


def results(*, survey: Survey, language: str) -> list[QuestionResult]:
    """Each question's counts (a chart and its table) or its free-text answers, in four queries
    whatever the number of questions and answers."""
    questions = list(
        Question.objects.filter(survey=survey)
        .prefetch_related(CHOICES_IN_ORDER)
        .order_by("position", "pk")
    )
    counts: dict[tuple[int, int | None, int | None], int] = {}
    for row in (
        Answer.objects.filter(response__survey=survey)
        .exclude(question__kind=Question.Kind.TEXT)
        .values("question_id", "choice_id", "value")
        .annotate(n=Count("pk"))
    ):
        counts[(row["question_id"], row["choice_id"], row["value"])] = row["n"]
    answered = dict(
        Answer.objects.filter(response__survey=survey)
        .exclude(question__kind=Question.Kind.TEXT, text="")
        .values_list("question_id")
        .annotate(n=Count("response_id", distinct=True))
        .values_list("question_id", "n")
    )
    texts: dict[int, list[Answer]] = defaultdict(list)
    for answer in (
        Answer.objects.filter(response__survey=survey, question__kind=Question.Kind.TEXT)
        .exclude(text="")
        .select_related("response")
        .order_by("response__submitted_at", "pk")
    ):
        texts[answer.question_id].append(answer)

    found = []
    for number, question in enumerate(questions, start=1):
        label = _label(question, "text", language)
        title = f"{number}. {label}"
        result = QuestionResult(
            question=question, label=label, answered=answered.get(question.pk, 0)
        )
        if question.has_choices:
            rows = [
                (_label(c, "label", language), counts.get((question.pk, c.pk, None), 0))
                for c in question.choices.all()
            ]
            description = (
                _("How many people chose each answer; each person could choose several.")
                if question.kind == Question.Kind.MULTIPLE
                else _("How many people chose each answer.")
            )
            result.section = chart_section(
                rows,
                title=title,
                description=description,
                key=f"question-{question.pk}",
                category=_("Answer"),
                value_label=_("People"),
                totals=[(_("People who answered"), result.answered)],
            )
        elif question.kind == Question.Kind.SCALE:
            rows = [(str(n), counts.get((question.pk, None, n), 0)) for n in Question.SCALE]
            total = sum(n for _label_, n in rows)
            if total:
                result.average = round(sum(int(value) * n for value, n in rows) / total, 2)
            result.section = chart_section(
                rows,
                title=title,
                description=_("How many people gave each mark, from 1 (lowest) to 5 (highest)."),
                key=f"question-{question.pk}",
                category=_("Mark"),
                value_label=_("People"),
                totals=[(_("People who answered"), result.answered)]
                + (
                    # Written in the reader's way: 3,85 in Spanish and Portuguese.
                    [(_("Average"), formats.number_format(result.average, 2))]
                    if result.average is not None
                    else []
                ),
            )
        else:
            result.texts = texts.get(question.pk, [])
        found.append(result)
    return found


def csv_columns(*, survey: Survey, language: str) -> tuple[list[str], list[Question]]:
    questions = list(survey.questions.prefetch_related("choices").order_by("position", "pk"))
    header = ["response", "submitted_at_utc", "language"] + [
        f"{n}. {_label(q, 'text', language)}" for n, q in enumerate(questions, start=1)
    ]
    return header, questions


def csv_rows(*, survey: Survey, questions: list[Question], language: str):
    """One row per response, one column per question (chosen labels joined by "; "). No names:
    the results are read in aggregate."""
    labels = {c.pk: _label(c, "label", language) for q in questions for c in q.choices.all()}
    responses = survey.responses.prefetch_related(
        Prefetch("answers", queryset=Answer.objects.order_by("pk"))
    ).order_by("submitted_at", "pk")
    for number, response in enumerate(responses.iterator(chunk_size=500), start=1):
        by_question: dict[int, list[Answer]] = defaultdict(list)
        for answer in response.answers.all():
            by_question[answer.question_id].append(answer)
        cells: list[Any] = [
            number,
            response.submitted_at.astimezone(UTC).isoformat(),
            response.language,
        ]
        for question in questions:
            answers = by_question.get(question.pk, [])
            if question.has_choices:
                cells.append("; ".join(labels.get(a.choice_id or 0, "") for a in answers))
            elif question.kind == Question.Kind.SCALE:
                cells.append(answers[0].value if answers else "")
            else:
                cells.append(answers[0].text if answers else "")
        yield cells


# --- Download my data ----------------------------------------------------------------------------
def personal_data_of(user: Any) -> Portion:
    responses = (
        Response.objects.filter(Q(user=user) | Q(invitation__registration__user=user))
        .select_related("survey")
        .prefetch_related(
            Prefetch("answers", queryset=Answer.objects.select_related("question", "choice"))
        )
        .order_by("submitted_at", "pk")
        .distinct()
    )
    return Portion(
        data=[
            {
                "survey": response.survey.title,
                "submitted_at": response.submitted_at.isoformat(),
                "language": response.language,
                "answers": [
                    {
                        "question": answer.question.text,
                        "choice": answer.choice.label if answer.choice else None,
                        "value": answer.value,
                        "text": answer.text or None,
                    }
                    for answer in response.answers.all()
                ],
            }
            for response in responses
        ]
    )
