"""Pages of the library: browse, a resource, its download and citations, the evidence map,
collections, proposals by members and the staff list of broken links."""

from __future__ import annotations

import functools

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.downloads import attachment_disposition, file_download
from iapt_platform.lib.http import AuthenticatedRequest, HtmxRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.ratelimit import client_ip
from initiatives.matchmaking.selectors import collaboration_version
from initiatives.models import Initiative
from initiatives.selectors import registry_version

from . import citations, presenters, selectors, services
from .filters import ResourceFilterForm
from .forms import ResourceForm
from .models import Resource

IMAGE_TYPES = {"png": "image/png", "jpg": "image/jpeg", "jpeg": "image/jpeg", "webp": "image/webp"}


def _resource_or_404(request: HttpRequest, slug: str) -> Resource:
    resource = selectors.resource_for_page(slug=slug, user=request.user)
    if resource is None:
        raise Http404
    return resource


def _as_download(response: HttpResponseBase, name: str) -> HttpResponseBase:
    response["Content-Disposition"] = attachment_disposition(name)
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Browsing ---------------------------------------------------------------------------------------


# The lists filter by the registry's sectors; a resource's page names initiatives and projects.
LIST_VERSIONS = (selectors.library_version, registry_version)
BROWSE_PARAMS = (
    *("type", "topic", "language", "country", "year", "method", "outcome", "direction"),
    *("sector", "sort", "page"),
)


@require_safe
# Free-text searches (`q`) are kept once their words are asked again (see lib/pagecache.py).
# Nothing in it is one member's but the frame: one copy for all members too (members=True).
@cache_page_for_visitors(
    "library:index", version=LIST_VERSIONS, params=BROWSE_PARAMS, words=True, members=True
)
def index(request: HtmxRequest) -> HttpResponse:
    browse = selectors.resource_browse(request.GET, page_number=request.GET.get("page"))
    context = {
        "browse": browse,
        "page": browse.page,
        "query": browse.query_string,
        "collections": [] if browse.active else list(selectors.collections_public()[:6]),
    }
    if request.htmx:
        return render(request, "library/partials/browse_body.html", context)
    return render(request, "library/index.html", context)


@require_safe
def export(request: HttpRequest, fmt: str) -> HttpResponseBase:
    """The current filtered list as BibTeX, RIS or CSL-JSON."""
    resources = selectors.resource_export_list(request.GET)
    ext, mimetype = citations.FORMATS[fmt]
    body = citations.render(fmt, resources, base_url=request.build_absolute_uri("/").rstrip("/"))
    return _as_download(HttpResponse(body, content_type=mimetype), f"library.{ext}")


def _viewed_from_cache(request: HttpRequest, resource_id: int) -> None:
    services.resource_record_view_of(resource_id=resource_id)


@require_safe
@cache_page_for_visitors(
    "library:detail",
    version=(*LIST_VERSIONS, collaboration_version),
    on_hit=_viewed_from_cache,
)
def detail(request: HttpRequest, slug: str) -> HttpResponse:
    resource = _resource_or_404(request, slug)
    if resource.is_published:
        services.resource_record_view(resource=resource)
    # Each list asked only when the resource may have one (most have none: one cache read).
    linked = selectors.resources_linked()
    shows = functools.partial(selectors.resource_may_list, resource, linked=linked)
    response = render(
        request,
        "library/detail.html",
        {
            "resource": resource,
            "collections": resource.collections.filter(is_published=True).order_by("order", "pk")
            if shows("collections")
            else [],
            "initiatives": Initiative.objects.published()
            .filter(library_resources=resource)
            .order_by("name")
            if shows("initiatives")
            else [],
            "projects": selectors.resource_projects_public(resource=resource)
            if shows("projects")
            else [],
            "can_edit": request.user.is_authenticated
            and resource.contributed_by_id == request.user.pk
            and resource.status == Resource.Status.DRAFT,
            "formats": [("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON")],
            "structured_data": presenters.structured_data(resource=resource),
        },
    )
    response.page_cache_note = resource.pk  # type: ignore[attr-defined]
    return response


@require_safe
def download(request: HttpRequest, slug: str) -> HttpResponseBase:
    resource = _resource_or_404(request, slug)
    if not resource.file:
        raise Http404
    response = file_download(
        resource.file,
        filename=resource.file_name or resource.slug,
        mimetype=resource.file_mimetype,
        cache="private, max-age=3600" if resource.is_published else "private, no-store",
    )
    if resource.is_published:
        visitor = services.download_visitor(
            user_id=request.user.pk if request.user.is_authenticated else None,
            address=client_ip(request) or "",
            user_agent=request.META.get("HTTP_USER_AGENT", ""),
        )
        services.resource_record_download(resource=resource, visitor=visitor)
    return response


@require_safe
def image(request: HttpRequest, slug: str) -> HttpResponseBase:
    """The cover, or the picture of a PDF's first page, of a resource not yet public (for its
    contributor and staff). A published resource's pictures are files in the public storage."""
    resource = _resource_or_404(request, slug)
    if resource.picture:
        return redirect(resource.picture.url)
    picture = resource.cover or resource.thumbnail
    if not picture:
        raise Http404
    ext = picture.name.rsplit(".", 1)[-1].lower()
    if ext not in IMAGE_TYPES:
        raise Http404
    response = FileResponse(picture.open("rb"), content_type=IMAGE_TYPES[ext])
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = (
        "public, max-age=86400" if resource.is_published else "private, no-store"
    )
    return response


@require_safe
def cite(request: HttpRequest, slug: str, fmt: str) -> HttpResponseBase:
    resource = _resource_or_404(request, slug)
    ext, mimetype = citations.FORMATS[fmt]
    body = citations.render(fmt, [resource], base_url=request.build_absolute_uri("/").rstrip("/"))
    return _as_download(HttpResponse(body, content_type=mimetype), f"{resource.slug}.{ext}")


# --- Evidence and collections ---------------------------------------------------------------------


@require_safe
@cache_page_for_visitors(
    "library:evidence", version=LIST_VERSIONS, params=("view", "sector", "direction")
)
def evidence_map(request: HttpRequest) -> HttpResponse:
    axis = request.GET.get("view", "method-outcome")
    if axis not in selectors.AXES:
        axis = "method-outcome"
    # The map itself may be narrowed by sector and direction; the cells carry these along.
    params = QueryDict(mutable=True)
    for key in ("sector", "direction"):
        values = [v for v in request.GET.getlist(key) if v]
        if values:
            params.setlist(key, values)
    form = ResourceFilterForm(params)
    invalid = not form.is_valid()
    grid = selectors.evidence_grid(
        axis=axis, filters={} if invalid else form.active(), base_query=params
    )
    return render(
        request,
        "library/evidence_map.html",
        {
            "grid": grid,
            "form": form,
            "invalid": invalid,
            "sectors": selectors.sectors_with_evidence(),
            "chosen_sector": params.get("sector", ""),
            "chosen_direction": params.get("direction", ""),
            "directions": ResourceFilterForm.base_fields["direction"].choices,  # type: ignore[attr-defined]
            "other_axis": "outcome-country" if grid.axis == "method-outcome" else "method-outcome",
            "filter_string": params.urlencode(),
        },
    )


@require_safe
@cache_page_for_visitors("library:collections", version=selectors.library_version)
def collections(request: HttpRequest) -> HttpResponse:
    return render(
        request, "library/collections.html", {"collections": selectors.collections_public()}
    )


@require_safe
@cache_page_for_visitors("library:collection", version=selectors.library_version)
def collection(request: HttpRequest, slug: str) -> HttpResponse:
    found = selectors.collection_for_page(slug=slug)
    if found is None:
        raise Http404
    chosen, items = found
    return render(request, "library/collection.html", {"collection": chosen, "items": items})


# --- Contributions ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedRequest) -> HttpResponse:
    # "Propose a resource for this project" on a project's page arrives with ?project=<id>.
    project = request.GET.get("project", "")
    form = ResourceForm(
        request.POST or None,
        request.FILES or None,
        user=request.user,
        initial={"projects": [project]} if project.isdigit() else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            resource = services.resource_propose(user=request.user, data=form.to_data())
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request,
                _("Thank you. “%(title)s” now waits for a moderator; we will email you.")
                % {"title": resource.title},
            )
            return redirect("library:mine")
    return render(request, "library/propose.html", {"form": form, "editing": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    resource = _resource_or_404(request, slug)
    if resource.contributed_by_id != request.user.pk:
        raise PermissionDenied
    if resource.status != Resource.Status.DRAFT:
        messages.warning(request, _("Only a resource sent back for changes can be edited."))
        return redirect(resource)
    form = ResourceForm(
        request.POST or None, request.FILES or None, instance=resource, user=request.user
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.resource_revise(resource=resource, user=request.user, data=form.to_data())
        except (ValidationError, services.LibraryError) as error:
            form.add_error(None, error if isinstance(error, ValidationError) else str(error))
        else:
            messages.success(request, _("Sent again for review. We will email you."))
            return redirect("library:mine")
    return render(request, "library/propose.html", {"form": form, "editing": resource})


@login_required
@require_safe
def mine(request: AuthenticatedRequest) -> HttpResponse:
    page = Paginator(selectors.resources_of(user=request.user), 20).get_page(
        request.GET.get("page")
    )
    return render(request, "library/mine.html", {"page": page})


@moderator_required
@require_safe
def broken_links(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.resources_with_broken_links(), 50).get_page(request.GET.get("page"))
    return render(request, "library/broken_links.html", {"page": page})
