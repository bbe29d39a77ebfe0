from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from iapt_platform.lib import downloads
from iapt_platform.lib.http import AuthenticatedRequest

from . import menu, selectors, services
from .forms import ProfileForm


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
