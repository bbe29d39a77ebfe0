"""The one search's page: a GET form that works without JavaScript; with htmx, the results
update as the reader types (the same template the page includes), and the header's box shows
the first few as suggestions."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.http import urlencode
from django.views.decorators.http import require_safe

from iapt_platform.lib import site_search
from iapt_platform.lib.http import HtmxRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.ratelimit import client_ip, within_limit

SUGGESTIONS = 6
QUERY_LENGTH = 200


def query_of(request: HtmxRequest) -> tuple[str, str, int]:
    """(words, kind, page) from the address; an unknown kind means every kind."""
    query = " ".join(request.GET.get("q", "").split())[:QUERY_LENGTH]
    kind = request.GET.get("kind", "")
    kind = kind if site_search.kind(kind) else ""
    try:
        page = max(int(request.GET.get("page", "1")), 1)
    except ValueError:
        page = 1
    return query, kind, page


def allowed(request: HtmxRequest) -> bool:
    """A brake on scripted floods: SITE_SEARCH_RATE searches a minute per member or address."""
    who = f"user:{request.user.pk}" if request.user.is_authenticated else client_ip(request)
    return within_limit(f"site-search:{who}", limit=settings.SITE_SEARCH_RATE, seconds=60)


@require_safe
# Visitors' searches are kept whole once their words are asked again (lib/pagecache.py), until
# any kind they find changes.
@cache_page_for_visitors(
    "search:index",
    version=site_search.visitors_version,
    params=("kind", "page", "suggest"),
    words=True,
)
def index(request: HtmxRequest) -> HttpResponse:
    query, kind, page = query_of(request)
    suggest = request.GET.get("suggest") == "1"
    results = None
    if query:
        if not allowed(request):
            return render(request, "429.html", status=429)
        results = site_search.run(
            query,
            user=request.user,
            language=translation.get_language() or settings.LANGUAGE_CODE,
            kind=kind,
            page=page,
            page_size=SUGGESTIONS if suggest else site_search.PAGE_SIZE,
        )
    context = {
        "query": query,
        "kind": kind,
        "results": results,
        "kinds": site_search.kinds(),
        # The address of the page without its page number, for the page links.
        "query_string": urlencode({k: v for k, v in (("q", query), ("kind", kind)) if v}),
    }
    if suggest:
        template = "search/partials/suggestions.html"
    elif request.htmx:
        template = "search/partials/results.html"
    else:
        template = "search/index.html"
    response = render(request, template, context)
    response["Cache-Control"] = (
        "private, no-store" if request.user.is_authenticated else "max-age=0"
    )
    return response
