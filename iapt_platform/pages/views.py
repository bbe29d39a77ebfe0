"""The pages: readers see the newest version (or an older one at its own address); moderators
edit the draft in three languages, preview it, and publish it as a new version."""

from __future__ import annotations

import re

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from modeltranslation.utils import build_localized_fieldname

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.translated import LANGUAGE_CODES

from . import selectors, services
from .forms import PageDraftForm, PublishForm
from .models import Page, PageVersion

# Pages name each other as `[privacy notice](page:privacy)`: the address is the reader's own
# (it moves with the language prefix), never written into the text.
PAGE_LINK = re.compile(r"\]\(page:([a-z-]+)\)")
# Where the platform's contact address is shown under the text (CONTACT_EMAIL).
CONTACT_PAGES = {Page.Slug.CONTACT, Page.Slug.PRIVACY, Page.Slug.ACCESSIBILITY}


def with_page_links(text: str) -> str:
    def address(match: re.Match) -> str:
        try:
            return f"]({reverse('pages:page', args=[match.group(1)])})"
        except NoReverseMatch:
            return match.group(0)

    return PAGE_LINK.sub(address, text)


def reader_language(request: HttpRequest) -> str:
    return get_language() or settings.LANGUAGE_CODE


# --- Readers -----------------------------------------------------------------------------------
@require_GET
@cache_page_for_visitors("pages:page", version=selectors.pages_version)
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    version = selectors.version_current(slug=slug)
    if version is None:
        raise Http404
    return _render(request, version, language=reader_language(request))


@require_GET
@cache_page_for_visitors("pages:version", version=selectors.pages_version)
def version_detail(request: HttpRequest, slug: str, number: int) -> HttpResponse:
    version = selectors.version_get(slug=slug, number=number)
    if version is None:
        raise Http404
    return _render(request, version, language=reader_language(request))


def _render(
    request: HttpRequest, version: PageVersion, *, language: str, preview: bool = False
) -> HttpResponse:
    page = version.page
    reading = version.reading(language)
    versions = [] if preview else list(selectors.versions_of(page=page))
    newest = versions[0].number if versions else version.number
    return render(
        request,
        "pages/detail.html",
        {
            "page": page,
            "version": version,
            "reading": reading,
            "body": with_page_links(reading.body),
            "versions": [(v, v.change_note_in(language)) for v in versions],
            "is_current": version.number == newest,
            "preview": preview,
            "preview_languages": LANGUAGE_CODES if preview else [],
            "contact_email": settings.CONTACT_EMAIL if page.slug in CONTACT_PAGES else "",
            "absolute_url": f"{settings.SITE_URL}{page.get_absolute_url()}",
        },
    )


# --- Moderators --------------------------------------------------------------------------------
@moderator_required
@require_GET
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    pages = list(selectors.pages_for_staff())
    current = selectors.versions_current(slugs=[p.slug for p in pages])
    rows = [
        (page, services.draft_differs(page=page, version=current.get(page.slug))) for page in pages
    ]
    return render(request, "pages/staff/list.html", {"rows": rows})


@moderator_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    form = PageDraftForm(request.POST or None, instance=page)
    if request.method == "POST" and form.is_valid():
        page = services.page_save_draft(page=form.save(commit=False), by=request.user)
        messages.success(request, _("Draft saved. Readers see it once you publish it."))
        if "preview" in request.POST:
            return redirect("pages:staff_preview", slug=page.slug)
        return redirect("pages:staff_edit", slug=page.slug)
    versions = list(page.versions.select_related("published_by").defer(*selectors.BODY_FIELDS))
    newest = selectors.version_current(slug=page.slug)
    return render(
        request,
        "pages/staff/edit.html",
        {
            "page": page,
            "form": form,
            "publish_form": PublishForm(first=not versions),
            "versions": versions,
            "next_number": (versions[0].number if versions else 0) + 1,
            "has_changes": services.draft_differs(page=page, version=newest),
            "draft_history": page.history.select_related("history_user")[:10],
            "languages": LANGUAGE_CODES,
        },
    )


@moderator_required
@require_GET
def staff_preview(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    language = request.GET.get("language", "")
    language = language if language in LANGUAGE_CODES else reader_language(request)
    newest = selectors.version_current(slug=slug)
    # The draft, shown as the next version would be: built in memory, never saved.
    draft = PageVersion(page=page, number=(newest.number if newest else 0) + 1)
    for field in ("title", "body"):
        for code in LANGUAGE_CODES:
            name = build_localized_fieldname(field, code)
            setattr(draft, name, getattr(page, name))
    return _render(request, draft, language=language, preview=True)


@moderator_required
@require_POST
def staff_publish(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    page = get_object_or_404(Page, slug=slug)
    form = PublishForm(request.POST, first=not page.versions.exists())
    if not form.is_valid():
        messages.error(request, _("Say in Spanish what changed."))
        return redirect("pages:staff_edit", slug=page.slug)
    try:
        version = services.page_publish(page=page, by=request.user, change_note=form.change_note())
    except services.PageError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Published as version %(number)s. Readers see it now.") % {"number": version.number},
        )
    return redirect("pages:staff_edit", slug=page.slug)
