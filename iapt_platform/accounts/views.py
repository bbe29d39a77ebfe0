import time

from allauth.account import app_settings as account_settings
from allauth.account.internal.flows.login import get_authentication_records
from allauth.account.internal.flows.reauthentication import suspend_request
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from iapt_platform.lib import downloads
from iapt_platform.lib.http import AuthenticatedRequest

from . import menu, roles, selectors, services
from .forms import CloseAccountForm, CloseMemberAccountForm, ProfileForm
from .models import User


@login_required
def home(request: AuthenticatedRequest) -> HttpResponse:
    return render(request, "accounts/home.html", {"links": menu.account_links(request.user)})


@login_required
def profile(request: AuthenticatedRequest) -> HttpResponse:
    form = ProfileForm(request.POST or None, instance=request.user)
    if request.method == "POST" and form.is_valid():
        user = services.user_update_profile(user=request.user, data=form.cleaned_data)
        translation.activate(user.language)  # the confirmation already speaks the new language
        messages.success(request, _("Your profile was saved."))
        return redirect("accounts:profile")
    return render(request, "accounts/profile.html", {"form": form})


# --- Download my data ---------------------------------------------------------------------------


@login_required
def data(request: AuthenticatedRequest) -> HttpResponse:
    """Download my data: ask for an archive, see how it is going, download it while it lasts."""
    if request.method == "POST":
        try:
            services.data_export_request(user=request.user)
        except services.DataExportRefused as refused:
            if refused.reason == refused.ALREADY_PREPARING:
                messages.info(request, _("Your archive is already being prepared."))
            else:
                messages.error(
                    request,
                    _("You have asked for your data several times today. Try again tomorrow."),
                )
        else:
            messages.success(
                request, _("We are preparing your archive. We will email you when it is ready.")
            )
        return redirect("accounts:data")
    export = selectors.data_export_latest(user=request.user)
    return render(
        request,
        "accounts/data.html",
        {
            "export": export,
            "download_url": (
                selectors.data_export_download_url(export)
                if export is not None and export.is_downloadable
                else ""
            ),
            "hours": settings.DATA_EXPORT_HOURS,
        },
    )


@login_required
def data_download(request: AuthenticatedRequest, token: str) -> HttpResponseBase:
    """The archive, as an attachment, to its owner signed in, while the link and it last."""
    try:
        export = selectors.data_export_from_token(token, user=request.user)
    except selectors.LinkLapsed:
        export = None
    else:
        if export is None:  # tampered, or someone else's: nothing to tell
            raise Http404
    if export is None or not export.is_downloadable:
        return render(request, "accounts/data_link_expired.html", status=410)
    return downloads.file_download(
        export.file,
        filename=f"iapt-data-{export.ready_at:%Y-%m-%d}.zip",
        mimetype="application/zip",
        cache="private, no-store",
    )


# --- Closing an account ---------------------------------------------------------------------------
def _reauthentication_url(request: AuthenticatedRequest) -> str | None:
    """Where to confirm who is asking, or None when they did it in the last few minutes.

    allauth's `reauthentication_required` accepts the password from anyone; here someone with an
    authenticator app (every moderator) confirms with a code from it, so that a password alone
    never closes an account. Either way allauth keeps the POST and replays it afterwards."""
    with_app = roles.has_second_factor(request.user)
    recent = time.time() - account_settings.REAUTHENTICATION_TIMEOUT
    for record in get_authentication_records(request, request.user):
        if not record.get("reauthenticated") or record.get("at", 0) < recent:
            continue
        if not with_app or record.get("method") == "mfa":
            return None
    return reverse("mfa_reauthenticate" if with_app else "account_reauthenticate")


@require_http_methods(["GET", "POST"])
@login_required
def close(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    refusal = services.account_closing_refusal(user=user)
    form = CloseAccountForm(request.POST or None, account=user)
    if request.method == "POST" and not refusal and form.is_valid():
        url = _reauthentication_url(request)
        if url:
            return suspend_request(request, url)
        language = user.language
        services.account_close(user=user, remove_posts=form.cleaned_data["remove_posts"])
        logout(request)
        # Signed out, the person still reads the last page in their language (as set_language).
        response = redirect("accounts:close_done")
        response.set_cookie(
            settings.LANGUAGE_COOKIE_NAME,
            language,
            max_age=365 * 24 * 3600,
            secure=settings.LANGUAGE_COOKIE_SECURE,
            samesite="Lax",
            httponly=True,
        )
        return response
    return render(
        request,
        "accounts/close.html",
        {"form": form, "refusal": refusal},
        status=400 if request.method == "POST" else 200,
    )


def close_done(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/close_done.html")


@require_http_methods(["GET", "POST"])
@roles.moderator_required
def close_member(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    account = get_object_or_404(User, pk=pk)
    refusal = services.account_closing_refusal(user=account, by=request.user)
    form = CloseMemberAccountForm(request.POST or None, account=account)
    if request.method == "POST" and not refusal and form.is_valid():
        url = _reauthentication_url(request)
        if url:
            return suspend_request(request, url)
        record = services.account_close(
            user=account,
            remove_posts=form.cleaned_data["remove_posts"],
            by=request.user,
            reason=form.cleaned_data["reason"],
        )
        messages.success(
            request,
            _("Account #%(number)s was closed and the person was told by email.")
            % {"number": record.account_number},
        )
        return redirect("moderation:queue")
    return render(
        request,
        "accounts/close_member.html",
        {"form": form, "account": account, "refusal": refusal},
        status=400 if request.method == "POST" else 200,
    )
