"""The calendar, a meeting's page, registering and cancelling, and members' calendar feeds."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import (
    require_GET,
    require_http_methods,
    require_POST,
    require_safe,
)

from iapt_platform.accounts import roles
from iapt_platform.lib.downloads import file_download
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.ratelimit import client_ip
from initiatives.selectors import registry_version
from library.selectors import library_version

from .. import ics, presenters, selectors, services, stats
from ..forms import MemberRegistrationForm, VisitorRegistrationForm
from ..models import Material, Meeting, MeetingFeedToken, Registration

PAGE_SIZE = 20


@require_safe
@cache_page_for_visitors(
    "meetings:calendar", version=selectors.meetings_version, params=("when", "kind", "page")
)
def calendar(request: HttpRequest) -> HttpResponse:
    when = selectors.PAST if request.GET.get("when") == selectors.PAST else selectors.UPCOMING
    kind = request.GET.get("kind", "")
    kind = kind if kind in Meeting.Kind.values else ""
    meetings = selectors.meeting_calendar(when=when, kind=kind)
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "meetings/calendar.html",
        {
            "page": page,
            "when": when,
            "kind": kind,
            "kinds": Meeting.Kind.choices,
            "query": urlencode({k: v for k, v in (("when", when), ("kind", kind)) if v}),
            "is_moderator": roles.is_moderator(request.user),
        },
    )


def _meeting_or_404(request: HttpRequest, slug: str) -> Meeting:
    meeting = selectors.meeting_for_page(slug=slug, user=request.user)
    if meeting is None:
        raise Http404
    return meeting


def _detail_context(
    request: HttpRequest, meeting: Meeting, *, form: Any = None, refusal: str = ""
) -> dict[str, Any]:
    registration = selectors.registration_of(meeting=meeting, user=request.user)
    now = timezone.now()
    is_open = meeting.registration_open(now=now)
    if form is None and is_open and registration is None:
        if request.user.is_authenticated:
            form = MemberRegistrationForm()
        else:
            form = VisitorRegistrationForm(
                initial={
                    "language": translation.get_language(),
                    "time_zone": getattr(request, "time_zone", settings.DEFAULT_READER_TIME_ZONE),
                }
            )
    taken = selectors.seats_taken(meeting=meeting)
    figures = None
    if meeting.status == Meeting.Status.HELD:
        figures = stats.meeting_participation(meeting)
    return {
        "meeting": meeting,
        "structured_data": presenters.structured_data(meeting=meeting),
        "agenda": meeting.agenda_reading(translation.get_language() or settings.LANGUAGE_CODE),
        "registration": registration,
        "rank": services.waitlist_rank(registration) if registration else None,
        "cancel_url": services.registration_cancel_path(registration) if registration else "",
        "is_open": is_open,
        "has_started": meeting.has_started(now=now),
        "seats_taken": taken,
        "seats_left": None if meeting.capacity is None else max(meeting.capacity - taken, 0),
        "form": form,
        "refusal": refusal,
        "figures": figures,
        "summary": stats.summary_line(figures) if figures and figures.participants else "",
        "is_moderator": roles.is_moderator(request.user),
        "certificate_available": registration is not None
        and registration.attended
        and meeting.gives_certificates(now=now),
    }


@require_safe
@require_GET
def material_download(request: HttpRequest, pk: int) -> HttpResponseBase:
    """Minutes and slides, for whoever may see the meeting, always as a download."""
    material = get_object_or_404(Material.objects.select_related("meeting"), pk=pk)
    _meeting_or_404(request, material.meeting.slug)
    return file_download(material.file, filename=material.original_name, mimetype=material.mimetype)


# A meeting's page lists its initiatives and library resources; its registration form is the one
# per-visitor part (the CSRF placeholder; its language and time zone are in the key).
@cache_page_for_visitors(
    "meetings:detail", version=(selectors.meetings_version, registry_version, library_version)
)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_or_404(request, slug)
    return render(request, "meetings/detail.html", _detail_context(request, meeting))


@require_POST
def register(request: HttpRequest, slug: str) -> HttpResponse:
    """Members register in one step; a visitor's request is confirmed from the email first."""
    meeting = _meeting_or_404(request, slug)
    if not request.user.is_authenticated:
        return _visitor_request(request, meeting)
    form = MemberRegistrationForm(request.POST)
    if not form.is_valid():
        return render(request, "meetings/detail.html", _detail_context(request, meeting, form=form))
    try:
        registration = services.registration_create(
            meeting=meeting,
            registrant=services.Registrant.of_user(request.user),
            user=request.user,
            gender=form.cleaned_data["gender"],
            gender_consent=form.cleaned_data["gender_consent"],
        )
    except services.RegistrationRefused as refused:
        return render(
            request,
            "meetings/detail.html",
            _detail_context(request, meeting, form=form, refusal=refused.message),
            status=409,
        )
    if registration.status == Registration.Status.WAITLISTED:
        messages.info(
            request,
            _(
                "The meeting is full: you are number %(rank)s on the waitlist. We will email "
                "%(email)s if a seat opens."
            )
            % {"rank": services.waitlist_rank(registration), "email": registration.email},
        )
    else:
        messages.success(
            request,
            _(
                "You are registered. The confirmation, with a calendar invitation, is on its way to %(email)s."
            )
            % {"email": registration.email},
        )
    return redirect(meeting)


def _visitor_request(request: HttpRequest, meeting: Meeting) -> HttpResponse:
    form = VisitorRegistrationForm(request.POST)
    if not form.is_valid():
        return render(request, "meetings/detail.html", _detail_context(request, meeting, form=form))
    data = form.cleaned_data
    if not services.visitor_registration_allowed(ip=client_ip(request), email=data["email"]):
        form.add_error(
            None,
            _(
                "Too many registration requests came from here or for this address. Please try "
                "again later."
            ),
        )
        return render(
            request,
            "meetings/detail.html",
            _detail_context(request, meeting, form=form),
            status=429,
        )
    try:
        services.registration_request(
            meeting=meeting,
            registrant=services.Registrant(
                name=data["name"],
                email=data["email"],
                organisation=data["organisation"],
                country=data["country"],
                language=data["language"],
                time_zone=data["time_zone"],
            ),
            gender=data["gender"],
            gender_consent=data["gender_consent"],
        )
    except services.RegistrationRefused as refused:
        return render(
            request,
            "meetings/detail.html",
            _detail_context(request, meeting, form=form, refusal=refused.message),
            status=409,
        )
    # The same answer for a new, a pending and an already registered address.
    return redirect("meetings:registration_sent", slug=meeting.slug)


@require_safe
def registration_sent(request: HttpRequest, slug: str) -> HttpResponse:
    meeting = _meeting_or_404(request, slug)
    return render(
        request,
        "meetings/registration_sent.html",
        {"meeting": meeting, "max_days": services.CONFIRM_MAX_AGE.days},
    )


@require_http_methods(["GET", "POST"])
def confirm_registration(request: HttpRequest, token: str) -> HttpResponse:
    """From the link in a visitor's email: GET asks, POST confirms (link scanners only GET)."""
    try:
        registration = services.registration_pending_from_token(token)
    except services.BadConfirmationLink as bad:
        return render(
            request,
            "meetings/confirm_invalid.html",
            {"expired": bad.expired, "max_days": services.CONFIRM_MAX_AGE.days},
            status=410 if bad.expired else 400,
        )
    meeting = registration.meeting
    if registration.status == Registration.Status.CANCELLED:
        return render(
            request,
            "meetings/confirm_invalid.html",
            {"meeting": meeting, "cancelled": True},
            status=410,
        )
    if registration.status != Registration.Status.PENDING:
        return _confirmed(request, registration, already=True)
    error = ""
    if request.method == "POST":
        try:
            registration = services.registration_confirm(registration=registration)
        except services.RegistrationRefused as refused:
            error = refused.message
        else:
            return _confirmed(request, registration, already=False)
    return render(
        request,
        "meetings/confirm_registration.html",
        {"registration": registration, "meeting": meeting, "error": error},
        status=409 if error else 200,
    )


def _confirmed(request: HttpRequest, registration: Registration, *, already: bool) -> HttpResponse:
    meeting = registration.meeting
    return render(
        request,
        "meetings/registration_confirmed.html",
        {
            "registration": registration,
            "meeting": meeting,
            "already": already,
            "rank": services.waitlist_rank(registration),
            "cancel_url": services.registration_cancel_path(registration),
            "has_started": meeting.has_started(),
        },
    )


@require_http_methods(["GET", "POST"])
def cancel_registration(request: HttpRequest, token: str) -> HttpResponse:
    """From the signed link in every email: GET asks, POST cancels (link scanners only GET)."""
    registration = services.registration_from_token(token)
    if registration is None:
        return render(request, "meetings/cancel_invalid.html", status=400)
    meeting = registration.meeting
    error = ""
    if request.method == "POST":
        try:
            services.registration_cancel(registration=registration)
        except services.RegistrationRefused as refused:
            error = refused.message
        else:
            messages.success(
                request,
                _("Your registration for “%(title)s” is cancelled.") % {"title": meeting.title},
            )
            return redirect(meeting if meeting.is_published else "meetings:calendar")
    return render(
        request,
        "meetings/cancel_confirm.html",
        {
            "registration": registration,
            "meeting": meeting,
            "already": registration.status == Registration.Status.CANCELLED,
            "started": meeting.has_started(),
            "error": error,
        },
        status=409 if error else 200,
    )


@require_safe
@login_required
def invitation(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """The registered member's own invitation, to add to a calendar by hand."""
    meeting = _meeting_or_404(request, slug)
    registration = selectors.registration_of(meeting=meeting, user=request.user)
    if registration is None or registration.status != Registration.Status.REGISTERED:
        raise Http404
    content = ics.invitation(
        meeting,
        method=ics.REQUEST,
        attendee_email=registration.email,
        attendee_name=registration.name,
        language=translation.get_language() or settings.LANGUAGE_CODE,
        include_link=True,
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{meeting.slug}.ics"'
    return response


@require_safe
@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    registrations = list(selectors.registrations_of_user(user=request.user))
    now = timezone.now()
    token = services.feed_token_for(user=request.user)
    return render(
        request,
        "meetings/mine.html",
        {
            "upcoming": [r for r in registrations if r.meeting.ends_at >= now],
            "past": [r for r in registrations if r.meeting.ends_at < now],
            "now": now,
            "feed_url": request.build_absolute_uri(_feed_path(token)),
        },
    )


def _feed_path(token: MeetingFeedToken) -> str:
    return reverse("meetings:feed", args=[token.token])


@require_POST
@login_required
def feed_reset(request: AuthenticatedRequest) -> HttpResponse:
    services.feed_token_reset(user=request.user)
    messages.success(
        request,
        _(
            "Your calendar address is new. The old one no longer works: subscribe again with this one."
        ),
    )
    return redirect("meetings:mine")


@require_safe
def feed(request: HttpRequest, token: str) -> HttpResponse:
    """A member's meetings as a calendar feed; the address is the secret (no session needed)."""
    owner = get_object_or_404(MeetingFeedToken.objects.select_related("user"), token=token)
    user = owner.user
    if not user.is_active:
        raise Http404
    content = ics.feed(
        selectors.meetings_for_feed(user=user),
        language=user.language,
        name=gettext_lazy("IAPT meetings"),
    )
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=900"
    response["X-Robots-Tag"] = "noindex"
    return response
