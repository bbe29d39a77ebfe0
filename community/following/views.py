"""Follow and unfollow (POST forms, an htmx swap when htmx is there), the following page, and
opening a news notification."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from community.views.common import member_required
from iapt_platform.lib.http import AuthenticatedRequest, HtmxRequest
from iapt_platform.lib.news import Subject

from . import selectors, services
from .models import NewsNotification


class MemberHtmxRequest(AuthenticatedRequest, HtmxRequest):
    """A signed-in member's request, with django-htmx's details."""


def _subject(request: MemberHtmxRequest) -> Subject | None:
    kind = request.POST.get("kind", "")
    key = request.POST.get("key", "").strip()
    if kind not in selectors.FOLLOWABLE or not key or len(key) > 100:
        return None
    return Subject(kind, key)


def _back(request: MemberHtmxRequest, subject: Subject, following: bool) -> HttpResponse:
    if request.htmx:
        return render(
            request,
            "following/partials/follow_button.html",
            {
                "subject": subject,
                "signed_in": True,
                "following": following,
                "next": request.POST.get("next", ""),
            },
        )
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect("following:list")
    return redirect(target)


@require_POST
@member_required
def follow(request: MemberHtmxRequest) -> HttpResponse:
    subject = _subject(request)
    if subject is None:
        return HttpResponseBadRequest()
    try:
        services.follow_add(user=request.user, subject=subject)
    except services.FollowError:
        raise Http404 from None
    name = selectors.describe([subject])[subject].name
    if not request.htmx:
        messages.success(request, _("You now follow %(name)s.") % {"name": name})
    return _back(request, subject, True)


@require_POST
@member_required
def unfollow(request: MemberHtmxRequest) -> HttpResponse:
    subject = _subject(request)
    if subject is None:
        return HttpResponseBadRequest()
    services.follow_remove(user=request.user, subject=subject)
    named = selectors.describe([subject]).get(subject)
    if not request.htmx:
        messages.success(
            request,
            _("You no longer follow %(name)s.") % {"name": named.name if named else subject.key},
        )
    return _back(request, subject, False)


@require_GET
@member_required
def following_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "following/list.html",
        {"groups": selectors.following_page(user=request.user)},
    )


@require_GET
@member_required
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read, then shows what it is about (if still visible)."""
    notification = get_object_or_404(NewsNotification, pk=pk, recipient=request.user)
    services.news_mark_read(user=request.user, notification_id=notification.pk)
    items = selectors.news_items([notification], user=request.user)
    if not items:
        messages.info(request, _("That is no longer available."))
        return redirect("community:notifications")
    return redirect(items[0].url)
