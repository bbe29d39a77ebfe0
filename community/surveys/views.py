"""Answering a survey (by link from the email, from the meeting page, or from the list of open
surveys) and the staff pages: the builder, publication and the results with their CSV."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib import tabular
from iapt_platform.lib.downloads import attachment_disposition
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.ratelimit import client_ip, within_limit

from . import selectors, services
from .forms import AnswerForm, PublishForm, QuestionFormSet, SurveyForm
from .models import Invitation, Question, Survey

BROWSER_COOKIE = "iapt_survey_browser"
BROWSER_COOKIE_SALT = "surveys.browser"
BROWSER_COOKIE_AGE = 2 * 365 * 24 * 3600


# --- Answering -------------------------------------------------------------------------------------
@require_safe
def open_list(request: HttpRequest) -> HttpResponse:
    return render(
        request, "surveys/list.html", {"surveys": selectors.open_surveys_for(user=request.user)}
    )


@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    survey = selectors.survey_with_questions(pk=pk, user=request.user)
    if survey is None:
        raise Http404
    return _answer_page(request, survey)


@require_http_methods(["GET", "POST"])
def answer_invitation(request: HttpRequest, token: str) -> HttpResponse:
    """The address in an attendee's email: it needs no sign-in (attendees may have no account),
    and only a POST records anything (a link scanner opening it changes nothing)."""
    invitation = selectors.invitation_from_token(token)
    if invitation is None:
        raise Http404
    return _answer_page(request, invitation.survey, invitation=invitation)


def _answer_page(
    request: HttpRequest, survey: Survey, *, invitation: Invitation | None = None
) -> HttpResponse:
    language = translation.get_language() or settings.LANGUAGE_CODE
    is_visitor = not request.user.is_authenticated and invitation is None
    browser_key = ""
    new_key = False
    if is_visitor and survey.audience == Survey.Audience.EVERYONE:
        browser_key = (
            request.get_signed_cookie(BROWSER_COOKIE, default="", salt=BROWSER_COOKIE_SALT) or ""
        )
        if not browser_key:
            browser_key, new_key = secrets.token_urlsafe(24), True
    context: dict[str, Any] = {"survey": survey, "invitation": invitation}
    try:
        respondent = selectors.respondent_for(
            survey=survey, user=request.user, invitation=invitation, browser_key=browser_key
        )
    except services.SurveyRefused as refused:
        return render(
            request, "surveys/answer.html", {**context, "refusal": refused.message}, status=403
        )
    if respondent is None:
        return redirect_to_login(request.get_full_path())
    questions = list(survey.questions.all())
    form = AnswerForm(
        request.POST if request.method == "POST" else None, questions=questions, language=language
    )
    refusal, status = "", 200
    if request.method == "POST" and form.is_valid():
        if is_visitor and not within_limit(
            f"surveys:{survey.pk}:ip:{client_ip(request)}",
            limit=settings.SURVEY_VISITOR_ANSWERS_PER_HOUR,
            seconds=3600,
        ):
            refusal = _(
                "Too many answers came from here in the last hour. Please try again later: "
                "your answers are still in the form."
            )
            status = 429
        else:
            try:
                services.response_submit(
                    survey=survey, respondent=respondent, answers=form.answers(), language=language
                )
            except services.SurveyRefused as refused:
                refusal, status = refused.message, 409
            else:
                messages.success(request, _("Thank you: your answers were recorded."))
                done = redirect(request.path)
                if new_key:
                    _keep_browser_key(request, done, browser_key)
                return done
    elif request.method == "POST":
        status = 400
    now = timezone.now()
    existing = None if form.is_bound else respondent.existing(survey)
    context.update(
        {
            "form": form,
            "refusal": refusal,
            "existing": existing,
            "is_open": survey.is_open(now=now),
            "has_closed": survey.has_closed(now=now),
            "opening": survey.opening(),
            "show_form": form.is_bound or (survey.is_open(now=now) and existing is None),
            "title": selectors._label(survey, "title", language),
            "intro": selectors._label(survey, "intro", language),
        }
    )
    response = render(request, "surveys/answer.html", context, status=status)
    if new_key:
        _keep_browser_key(request, response, browser_key)
    return response


def _keep_browser_key(request: HttpRequest, response: HttpResponseBase, key: str) -> None:
    response.set_signed_cookie(
        BROWSER_COOKIE,
        key,
        salt=BROWSER_COOKIE_SALT,
        max_age=BROWSER_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


# --- Staff -----------------------------------------------------------------------------------------
@require_safe
@moderator_required
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "surveys/staff/list.html", {"surveys": selectors.survey_staff_list()})


@require_http_methods(["GET", "POST"])
@moderator_required
def staff_create(request: AuthenticatedRequest) -> HttpResponse:
    survey = Survey()
    meeting = request.GET.get("meeting", "")
    if meeting.isdigit():
        survey.meeting_id = int(meeting)
    return _edit(request, survey)


@require_http_methods(["GET", "POST"])
@moderator_required
def staff_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Survey.objects.select_related("meeting"), pk=pk))


def _edit(request: AuthenticatedRequest, survey: Survey) -> HttpResponse:
    post = request.method == "POST"
    form = SurveyForm(request.POST if post else None, instance=survey)
    questions = QuestionFormSet(
        request.POST if post else None,
        instance=survey,
        prefix="questions",
        queryset=Question.objects.prefetch_related("choices").order_by("position", "pk"),
    )
    if post and form.is_valid() and questions.is_valid():
        survey = services.survey_save(
            survey=survey, form=form, questions=questions, by=request.user
        )
        messages.success(request, _("The survey is saved."))
        return redirect("surveys:staff_edit", pk=survey.pk)
    return render(
        request,
        "surveys/staff/edit.html",
        {
            "survey": survey,
            "form": form,
            "questions": questions,
            "has_answers": bool(survey.pk and survey.responses.exists()),
        },
        status=400 if post else 200,
    )


@require_POST
@moderator_required
def staff_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey = get_object_or_404(Survey, pk=pk)
    form = PublishForm(request.POST)
    if form.is_valid() and form.cleaned_data["action"] == "publish":
        if not survey.questions.exists():
            messages.error(request, _("Add at least one question before publishing."))
        else:
            services.survey_publish(survey=survey)
            messages.success(request, _("The survey is published."))
    elif form.is_valid():
        services.survey_unpublish(survey=survey)
        messages.success(request, _("The survey is a draft again: nobody can answer it."))
    return redirect("surveys:staff_edit", pk=survey.pk)


@require_safe
@moderator_required
def staff_results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    survey: Survey = get_object_or_404(Survey.objects.select_related("meeting"), pk=pk)
    language = translation.get_language() or settings.LANGUAGE_CODE
    return render(
        request,
        "surveys/staff/results.html",
        {
            "survey": survey,
            "title": selectors._label(survey, "title", language),
            "results": selectors.results(survey=survey, language=language),
            "responses": survey.responses.count(),
            "invitations": survey.invitations.count(),
        },
    )


@require_safe
@moderator_required
def staff_results_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    survey: Survey = get_object_or_404(Survey, pk=pk)
    language = translation.get_language() or settings.LANGUAGE_CODE
    header, questions = selectors.csv_columns(survey=survey, language=language)
    rows = selectors.csv_rows(survey=survey, questions=questions, language=language)
    response = StreamingHttpResponse(
        tabular.csv_chunks(header, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = attachment_disposition(
        f"iapt-survey-{survey.pk}-{timezone.now():%Y-%m-%d}.csv"
    )
    response["Cache-Control"] = "private, no-store"
    return response
