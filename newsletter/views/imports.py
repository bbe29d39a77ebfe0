"""Staff import of subscribers: upload, read the dry run, start, follow the progress, report.

Every state lives on the job row, so the job page is the same page at every moment: it polls with
htmx while a task works on the job and, without JavaScript, refreshes itself (a meta refresh in
<noscript>) and offers a reload link.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.downloads import attachment_disposition
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.tabular import csv_chunks

from ..forms import ImportForm
from ..models import SubscriberImport
from ..services import imports
from ..services.subscribers import SubscriptionError

RECENT_JOBS = 10
REFUSED_SHOWN = 200  # on the page; the download has them all


@moderator_required
@require_http_methods(["GET", "POST"])
def subscribers_import(request: AuthenticatedRequest) -> HttpResponse:
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = imports.subscriber_import_create(
                text=form.cleaned_data["file"],
                file_name=form.file_name,
                consent_source=form.cleaned_data["consent_source"],
                consent_documented=form.cleaned_data["consent_documented"],
                by=request.user,
            )
        except SubscriptionError as error:
            form.add_error(None, str(error))
        else:
            return redirect("newsletter:staff_import_job", pk=job.pk)
    recent = SubscriberImport.objects.select_related("created_by").defer(
        "text", "refused_lines", "dry_refused_lines"
    )[:RECENT_JOBS]
    return render(
        request,
        "newsletter/staff/import.html",
        {"form": form, "recent": recent},
        status=400 if form.errors else 200,
    )


def _job(pk: int) -> SubscriberImport:
    return get_object_or_404(SubscriberImport.objects.defer("text"), pk=pk)


@moderator_required
def import_job(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    context = {"job": job, "refused": imports.refused_rows(job, limit=REFUSED_SHOWN)}
    if getattr(request, "htmx", False):
        return render(request, "newsletter/staff/partials/import_job.html", context)
    return render(request, "newsletter/staff/import_job.html", context)


@moderator_required
@require_POST
def import_start(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    job = _job(pk)
    if not imports.subscriber_import_start(job=job):
        messages.info(request, _("This import has already started."))
    return redirect("newsletter:staff_import_job", pk=job.pk)


@moderator_required
def import_refused(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    job = _job(pk)
    response = StreamingHttpResponse(
        csv_chunks(["line", "email", "reason"], imports.refused_rows(job)),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = attachment_disposition(f"import-{job.pk}-refused-lines.csv")
    return response
