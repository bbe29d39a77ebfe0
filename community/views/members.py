"""The member directory, profiles, notifications and email preferences."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_countries import countries

from iapt_platform.accounts import privacy, roles
from iapt_platform.lib.http import AuthenticatedRequest

from .. import notifications, selectors, services
from ..forms import DirectoryForm, FrequencyForm, ProfileForm
from ..models import MemberProfile, Notification
from .common import member_required

MEMBERS_PER_PAGE = 24


@require_GET
@member_required
def directory(request: AuthenticatedRequest) -> HttpResponse:
    names = dict(countries)
    country_options = sorted(
        ((code, str(names.get(code, code))) for code in selectors.member_countries()),
        key=lambda option: option[1],
    )
    form = DirectoryForm(request.GET or None, countries=country_options)
    if form.is_valid():
        data = form.cleaned_data
        profiles = selectors.member_directory(
            query=data["q"],
            country=data["country"],
            topic=data["topic"],
            organisation_type=data["organisation_type"],
        )
        query = urlencode({k: v for k, v in data.items() if v})
    else:
        profiles = (
            selectors.member_directory() if not form.is_bound else MemberProfile.objects.none()
        )
        query = ""
    page = Paginator(profiles, MEMBERS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "community/directory.html", {"form": form, "page": page, "query": query})


@require_GET
@member_required
def member_detail(request: AuthenticatedRequest, handle: str) -> HttpResponse:
    profile = get_object_or_404(
        MemberProfile.objects.select_related("user", "initiative", "programme"), handle=handle
    )
    if not profile.user.is_active:
        raise Http404
    recent = (
        selectors.posts_visible_to(user=request.user)
        .filter(
            author=profile.user,
            thread__in=selectors.threads_visible_to(user=request.user),
            status="published",
            hidden=False,
        )
        .select_related("thread")
        .order_by("-created_at")[:10]
    )
    return render(
        request,
        "community/member.html",
        {
            "profile": profile,
            "contact": privacy.contact_for(profile, viewer=request.user),
            "recent": recent,
            "is_self": profile.user_id == request.user.pk,
            "is_moderator": roles.is_moderator(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
@member_required
def profile_edit(request: AuthenticatedRequest) -> HttpResponse:
    profile = services.profile_for(user=request.user)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.profile_save(form=form)
        messages.success(request, _("Your profile is saved."))
        return redirect(profile.get_absolute_url())
    return render(request, "community/profile_edit.html", {"form": form, "profile": profile})


@require_GET
@member_required
def notification_list(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.notification_feed(user=request.user), 30).get_page(
        request.GET.get("page")
    )
    notifications = selectors.notification_page(user=request.user, rows=page.object_list)
    return render(
        request, "community/notifications.html", {"page": page, "notifications": notifications}
    )


@require_GET
@member_required
def notification_open(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    """Following a notification marks it read, then shows the post."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    notifications.notifications_mark_read(user=request.user, notification_id=notification.pk)
    return redirect("community:post", notification.post_id)


@require_POST
@member_required
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    notifications.notifications_mark_read(user=request.user)
    messages.success(request, _("All notifications are marked as read."))
    return redirect("community:notifications")


@require_http_methods(["GET", "POST"])
def email_frequency(request: HttpRequest, token: str) -> HttpResponse:
    """The link in the footer of every forum email. A GET only shows the choice (link scanners
    fetch GETs); the POST changes it. No sign-in needed: the signed token names the member."""
    user = notifications.user_for_frequency_token(token)
    if user is None:
        raise Http404
    profile = services.profile_for(user=user)
    form = FrequencyForm(
        request.POST or None,
        initial={"email_frequency": request.GET.get("to") or profile.email_frequency},
    )
    if request.method == "POST" and form.is_valid():
        profile.email_frequency = form.cleaned_data["email_frequency"]
        profile.save(update_fields=["email_frequency", "updated_at"])
        messages.success(
            request,
            _("Saved: forum emails now come as “%(choice)s”.")
            % {"choice": profile.get_email_frequency_display()},
        )
        return redirect("community:email_frequency", token)
    return render(
        request,
        "community/email_frequency.html",
        {"form": form, "profile": profile, "person": user},
    )


# RFC 8058: mail programs POST "List-Unsubscribe=One-Click" here with no cookie and no CSRF token
# and do not follow redirects. Exempt from CSRF like the bulletin's unsubscribe: the token in the
# URL is the proof, and the worst a forged request can do is what the owner of the link asked for.
@csrf_exempt
@require_http_methods(["GET", "POST"])
def email_stop(request: HttpRequest, token: str) -> HttpResponse:
    """One-click unsubscribe of forum emails (List-Unsubscribe). A GET only shows the choice."""
    user = notifications.user_for_one_click_token(token)
    if user is None:
        raise Http404
    if request.method == "POST":
        services.forum_emails_stop(user=user)
    return render(
        request,
        "community/email_stop.html",
        {
            "token": token,
            "person": user,
            "stopped": request.method == "POST",
            "frequency_url": reverse(
                "community:email_frequency", args=[notifications.frequency_token(user)]
            ),
        },
    )
