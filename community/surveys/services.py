"""Writes with side effects: saving what the builder sent, publishing, emailing a meeting's
survey to its attendees (once each) and recording an answer (once per person)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from community.meetings.models import Meeting, Registration
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails

from .forms import is_deleted
from .models import Answer, Choice, Invitation, Question, Response, Survey

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]


# --- The builder ----------------------------------------------------------------------------------
def survey_save(*, survey: Survey, form: Any, questions: Any, by: Any) -> Survey:
    """Save a survey, its questions (ordered by their position) and each question's choices."""
    with transaction.atomic():
        creating = survey.pk is None
        survey = form.save(commit=False)
        if creating:
            survey.created_by = by
        survey.save()
        questions.instance = survey
        questions.save(commit=False)
        for question in questions.deleted_objects:
            question.delete()
        kept = [f for f in questions.forms if f.instance.pk or f.has_changed() if not is_deleted(f)]
        # Positions as typed (empty ones last, in page order), then renumbered 1, 2, 3...
        ordered = sorted(
            enumerate(kept),
            key=lambda pair: (pair[1].cleaned_data.get("position") or 10_000, pair[0]),
        )
        for number, (_index, question_form) in enumerate(ordered, start=1):
            question = question_form.save(commit=False)
            question.survey = survey
            question.position = number
            question.save()
            _save_choices(question, question_form)
    return survey


def _save_choices(question: Question, form: Any) -> None:
    if not question.has_choices:
        question.choices.all().delete()
        return
    lines = {code: form.choice_lines(code) for code in LANGUAGE_CODES}
    count = len(lines[settings.MODELTRANSLATION_DEFAULT_LANGUAGE])
    existing = list(question.choices.all())
    for index in range(count):
        choice = existing[index] if index < len(existing) else Choice(question=question)
        choice.position = index + 1
        for code in LANGUAGE_CODES:
            text = lines[code][index] if index < len(lines[code]) else ""
            setattr(choice, build_localized_fieldname("label", code), text)
        choice.save()
    for extra in existing[count:]:
        extra.delete()  # only when nobody answered (the formset refuses it otherwise)


def survey_publish(*, survey: Survey) -> None:
    if survey.published_at is None:
        survey.published_at = timezone.now()
        survey.save(update_fields=["published_at", "updated_at"])
        if survey.meeting_id:
            # A survey published after its meeting ended goes out now, not at the next beat.
            from iapt_platform.lib.queueing import delay_on_commit

            from . import tasks

            delay_on_commit(tasks.send_meeting_surveys, survey.meeting_id)


def survey_unpublish(*, survey: Survey) -> None:
    survey.published_at = None
    survey.save(update_fields=["published_at", "updated_at"])


# --- Sending a meeting's survey ------------------------------------------------------------------
def _attendees_without_invitation(survey: Survey):
    already = Invitation.objects.filter(survey=survey, registration=OuterRef("pk"))
    return (
        Registration.objects.filter(meeting=survey.meeting, attended=True)
        .exclude(status=Registration.Status.CANCELLED)
        # Someone who closed their account: meetings keeps the row under a made-up address.
        .exclude(email__endswith="@invalid")
        .exclude(Exists(already))
        .select_related("user")
        .order_by("pk")
    )


def _claim(survey: Survey, registration: Registration) -> Invitation | None:
    """Record the invitation before sending it; None when another run already did."""
    try:
        with transaction.atomic():
            return Invitation.objects.create(
                survey=survey,
                registration=registration,
                language=registration.recipient_language,
            )
    except IntegrityError:
        return None


def invitation_url(invitation: Invitation) -> str:
    with translation.override(invitation.language):
        return settings.SITE_URL + reverse("surveys:invitation", args=[invitation.token])


def invitations_send(*, survey: Survey, now: datetime | None = None) -> int:
    """Email the survey to each attendee of its ended meeting who has not had it; returns how
    many were sent. Attendance recorded later reaches the latecomers on a later run."""
    now = now or timezone.now()
    meeting = survey.meeting
    if (
        meeting is None
        or meeting.status == Meeting.Status.CANCELLED
        or meeting.ends_at > now
        or not survey.is_open(now=now)
    ):
        return 0
    sent = 0
    for registration in _attendees_without_invitation(survey):
        invitation = _claim(survey, registration)
        if invitation is None:
            continue
        registration.meeting = meeting
        emails.send(
            template="surveys/invitation",
            to=registration.recipient,
            language=invitation.language,
            time_zone=registration.recipient_time_zone,
            context={
                "survey": survey,
                "meeting": meeting,
                "name": registration.name,
                "answer_url": invitation_url(invitation),
                "questions": len(survey.questions.all()),
            },
        )
        sent += 1
    return sent


def surveys_due(*, now: datetime | None = None):
    """Published, open surveys of meetings that have ended and have an attendee not yet invited."""
    now = now or timezone.now()
    pending = (
        Registration.objects.filter(meeting=OuterRef("meeting"), attended=True)
        .exclude(status=Registration.Status.CANCELLED)
        .exclude(email__endswith="@invalid")
        .exclude(
            Exists(
                Invitation.objects.filter(
                    survey=OuterRef(OuterRef("pk")), registration=OuterRef("pk")
                )
            )
        )
    )
    return (
        Survey.objects.published()
        .filter(audience=Survey.Audience.ATTENDEES, meeting__ends_at__lte=now)
        .exclude(meeting__status=Meeting.Status.CANCELLED)
        .exclude(closes_at__lte=now)
        .filter(Exists(pending))
        .select_related("meeting")
        .prefetch_related("questions")
    )


def invitations_send_due(*, now: datetime | None = None, meeting_id: int | None = None) -> int:
    surveys = surveys_due(now=now)
    if meeting_id is not None:
        surveys = surveys.filter(meeting_id=meeting_id)
    return sum(invitations_send(survey=survey, now=now) for survey in surveys)


def on_attendance_recorded(meeting: Meeting) -> None:
    """The meetings hook: attendance was recorded, so the attendees may hear of the survey now."""
    from iapt_platform.lib.queueing import delay_on_commit

    from . import tasks

    if Survey.objects.published().filter(meeting=meeting).exists():
        delay_on_commit(tasks.send_meeting_surveys, meeting.pk)


# --- Answering ----------------------------------------------------------------------------------
class SurveyRefused(Exception):
    CLOSED = "closed"
    NOT_OPEN = "not_open"
    ALREADY = "already"
    NOT_ALLOWED = "not_allowed"
    TOO_MANY = "too_many"

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Respondent:
    """Who answers: an account, an invitation (an attendee, with or without an account) or a
    visitor's browser."""

    user: Any = None
    invitation: Invitation | None = None
    browser_key: str = ""

    def existing(self, survey: Survey) -> Response | None:
        from django.db.models import Q

        conditions = Q(pk__in=[])
        if self.user is not None:
            conditions |= Q(user=self.user)
        if self.invitation is not None:
            conditions |= Q(invitation=self.invitation)
        if self.browser_key:
            conditions |= Q(browser_key=self.browser_key)
        return survey.responses.filter(conditions).first()


def refusal_closed(survey: Survey) -> SurveyRefused:
    closed = formats.date_format(timezone.localtime(survey.closes_at), "DATETIME_FORMAT")
    return SurveyRefused(
        SurveyRefused.CLOSED,
        _("This survey closed on %(date)s: your answers were not recorded.") % {"date": closed},
    )


def refusal_already(response: Response) -> SurveyRefused:
    when = formats.date_format(timezone.localtime(response.submitted_at), "DATETIME_FORMAT")
    return SurveyRefused(
        SurveyRefused.ALREADY,
        _("You already answered this survey (on %(date)s): each person answers once.")
        % {"date": when},
    )


def response_submit(
    *,
    survey: Survey,
    respondent: Respondent,
    answers: dict[Question, Any],
    language: str,
    now: datetime | None = None,
) -> Response:
    """Record one person's answers; refuses a closed survey and a second answer."""
    now = now or timezone.now()
    if survey.has_closed(now=now):
        raise refusal_closed(survey)
    if not survey.is_open(now=now):
        raise SurveyRefused(SurveyRefused.NOT_OPEN, _("This survey is not open for answers yet."))
    earlier = respondent.existing(survey)
    if earlier is not None:
        raise refusal_already(earlier)
    try:
        with transaction.atomic():
            response = Response.objects.create(
                survey=survey,
                user=respondent.user,
                invitation=respondent.invitation,
                browser_key=respondent.browser_key,
                language=language,
                submitted_at=now,
            )
            rows = []
            for question, value in answers.items():
                if question.kind == Question.Kind.SINGLE:
                    rows.append(Answer(response=response, question=question, choice_id=value))
                elif question.kind == Question.Kind.MULTIPLE:
                    rows += [
                        Answer(response=response, question=question, choice_id=choice)
                        for choice in dict.fromkeys(value)
                    ]
                elif question.kind == Question.Kind.SCALE:
                    rows.append(Answer(response=response, question=question, value=value))
                else:
                    rows.append(Answer(response=response, question=question, text=value.strip()))
            Answer.objects.bulk_create(rows)
    except IntegrityError:
        # Two submissions at once (a double click): the first one counted.
        earlier = respondent.existing(survey)
        if earlier is None:
            raise
        raise refusal_already(earlier) from None
    return response


# --- Closing an account --------------------------------------------------------------------------
def _responses_of(user: Any, addresses: set[str]):
    from django.db.models import Q

    return Response.objects.filter(
        Q(user=user)
        | Q(invitation__registration__user=user)
        | Q(invitation__registration__email__in=addresses)
    )


def respondent_depart(*, closing: Closing) -> None:
    """The person's answers stay in the totals without them; their free text goes, since it may
    name them. Invitations stay (they hold nothing of the person once meetings forgets the
    registration's name and address), so the survey is not sent again, nor answered twice.
    Runs before meetings' closer, while the registrations still carry the person's addresses."""
    responses = _responses_of(closing.user, closing.addresses())
    Answer.objects.filter(response__in=responses, question__kind=Question.Kind.TEXT).delete()
    responses.update(user=None)
