"""Opportunities: the public list (and its RSS and iCalendar versions), a page each with its
documents, members' proposals and moderators' posting."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iapt_platform.accounts import roles
from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.downloads import attachment_disposition, file_download
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.markdown import render_markdown
from iapt_platform.lib.pagecache import cache_page_for_visitors
from initiatives.selectors import registry_version

from . import ics, presenters, selectors, services
from .filters import closing_soon_days
from .forms import ProposalForm, StaffForm
from .models import Opportunity, OpportunityDocument


def _language() -> str:
    return get_language() or settings.LANGUAGE_CODE


# --- Public --------------------------------------------------------------------------------------
# Visitors get kept copies, read again after any change to opportunities or the registry's sectors.
VERSIONS = (selectors.opportunities_version, registry_version)


@require_GET
@cache_page_for_visitors(
    "opportunities:list",
    version=VERSIONS,
    params=("when", "within", "country", "sector", "topic", "kind", "page"),
)
def opportunity_list(request: HttpRequest) -> HttpResponse:
    listing = selectors.opportunity_listing(request.GET, page_number=request.GET.get("page"))
    return render(
        request,
        "opportunities/list.html",
        {
            "listing": listing,
            "page": listing.page,
            "query": listing.query_string,
            "soon_days": closing_soon_days(),
            "can_propose": services.can_propose(request.user),
            "is_moderator": roles.is_moderator(request.user),
        },
    )


@require_GET
@cache_page_for_visitors("opportunities:detail", version=VERSIONS)
def opportunity_detail(request: HttpRequest, slug: str) -> HttpResponse:
    opportunity = selectors.opportunity_get(slug=slug)
    if opportunity is None or not services.can_see(request.user, opportunity):
        raise Http404
    title, description, language = opportunity.reading(_language())
    return render(
        request,
        "opportunities/detail.html",
        {
            "opportunity": opportunity,
            "title": title,
            "description_html": render_markdown(description),
            "language": language,
            "is_fallback": language != _language(),
            "phase": opportunity.phase(),
            "documents": list(opportunity.documents.all()),
            "can_edit": services.can_edit(request.user, opportunity),
            "is_moderator": roles.is_moderator(request.user),
            "structured_data": presenters.structured_data(
                opportunity=opportunity, title=title, description=description, language=language
            )
            if opportunity.is_public
            else None,
        },
    )


@require_GET
def document_download(request: HttpRequest, slug: str, pk: int):
    document = get_object_or_404(
        OpportunityDocument.objects.select_related("opportunity"), pk=pk, opportunity__slug=slug
    )
    if not services.can_see(request.user, document.opportunity):
        raise Http404
    # Never inline: an attachment under a name that says the detected type (lib/downloads.py).
    return file_download(
        document.file,
        filename=document.original_name,
        mimetype=document.mimetype,
        cache="public, max-age=3600" if document.opportunity.is_public else "private, no-store",
    )


@require_GET
def calendar_ics(request: HttpRequest) -> HttpResponse:
    """The deadlines of the list as it is filtered, as a file to import or subscribe to."""
    content = ics.deadlines(selectors.opportunity_calendar(request.GET), language=_language())
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = attachment_disposition("opportunity-deadlines.ics")
    response["Cache-Control"] = "public, max-age=900"
    return response


# --- Proposing and posting -----------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedRequest) -> HttpResponse:
    if roles.is_moderator(request.user):
        return redirect("opportunities:new")
    if not services.can_propose(request.user):
        raise PermissionDenied
    form = ProposalForm(
        request.POST or None, request.FILES or None, initial={"language": _language()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(
                by=request.user, values=form.values(), documents=form.cleaned_data["documents"]
            )
        except services.OpportunityError as exc:
            form.add_error("documents", str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Thank you. Your proposal is with the moderators; we emailed you a copy."),
            )
            return redirect(opportunity.get_absolute_url())
    return render(request, "opportunities/form.html", {"form": form, "proposing": True})


@moderator_required
@require_http_methods(["GET", "POST"])
def new(request: AuthenticatedRequest) -> HttpResponse:
    form = StaffForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            opportunity = services.opportunity_create(
                by=request.user,
                values=form.values(),
                documents=form.cleaned_data["documents"],
                publish=request.POST.get("action") == "publish",
            )
        except services.OpportunityError as exc:
            form.add_error("documents", str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Published.") if opportunity.is_public else _("Saved as a draft.")
            )
            return redirect(opportunity.get_absolute_url())
    return render(request, "opportunities/form.html", {"form": form, "staff": True})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity, slug=slug)
    if not services.can_edit(request.user, opportunity):
        raise PermissionDenied
    staff = roles.is_moderator(request.user)
    form_class = StaffForm if staff else ProposalForm
    form = form_class(
        request.POST or None, request.FILES or None, initial=form_class.initial_for(opportunity)
    )
    documents = list(opportunity.documents.all())
    if request.method == "POST" and form.is_valid():
        remove = [int(pk) for pk in request.POST.getlist("remove_document") if pk.isdigit()]
        try:
            opportunity = services.opportunity_update(
                opportunity=opportunity,
                by=request.user,
                values=form.values(),
                documents=form.cleaned_data["documents"],
                remove_documents=remove,
            )
        except services.OpportunityError as exc:
            form.add_error("documents", str(exc))
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request, _("Saved.") if staff else _("Your proposal is back with the moderators.")
            )
            return redirect(opportunity.get_absolute_url())
    return render(
        request,
        "opportunities/form.html",
        {"form": form, "opportunity": opportunity, "documents": documents, "staff": staff},
    )


@moderator_required
@require_POST
def publish(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    opportunity = get_object_or_404(Opportunity, slug=slug)
    if opportunity.status == Opportunity.Status.PENDING:
        # A proposal is decided in the one queue, where the decision is recorded and told.
        messages.error(request, _("Decide on this proposal in the moderation queue."))
    elif request.POST.get("action") == "withdraw":
        services.opportunity_withdraw(opportunity=opportunity, by=request.user)
        messages.success(request, _("Withdrawn: readers no longer see it."))
    else:
        try:
            services.opportunity_publish(opportunity=opportunity, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Published."))
    return redirect(opportunity.get_absolute_url())


@login_required
@require_GET
def mine(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "opportunities/mine.html",
        {
            "opportunities": selectors.opportunities_of(user=request.user),
            "can_propose": services.can_propose(request.user),
        },
    )
