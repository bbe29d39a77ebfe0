"""The sign-in page, kept for visitors (iapt_platform/lib/pagecache.py), with a hole for `next`.

Every link to a members' page sends a visitor here with `?next=` the page they wanted, so the page
is asked for with as many addresses as there are such pages, and `next` is free text anyone can
write. The kept copies therefore never depend on it: there are two per language and time zone, one
without `next` and one rendered with `NEXT_HOLE` in its place, which each request fills with its
own `next` once allauth's own rule (`get_next_redirect_url`: this site's addresses only) has
accepted it. A `next` it refuses (`//evil.example`, `https://evil.example`) is dropped: the page is
the plain one, as allauth would follow none after signing in either. The hole is filled where
allauth writes `next` (the hidden field, escaped) and where it or the frame write it in an address
(the sign-up link, the language switcher: quoted, then escaped); a copy in which the hole is left
anywhere else is not served, and the page is rendered as before.

Anything but a plain GET goes straight to allauth: the form's answers (errors with the typed
address, rate limits, the authenticator step), a visitor with a sign-in half done (the pending
stage redirects them to it), signed-in members (allauth redirects them) and requests with a
message to show ("You have signed out.": the page cache sends those to the view). Each answer,
kept or not, is marked uncacheable for browsers and proxies, as allauth marks it.
"""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import quote_plus

from allauth.account.internal.stagekit import get_pending_stage
from allauth.account.utils import get_next_redirect_url
from allauth.account.views import login as allauth_login
from allauth.core.context import request_context
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.utils.cache import add_never_cache_headers
from django.utils.html import escape

from iapt_platform.lib.pagecache import answers_early, cache_page_for_visitors, early_answer

NEXT_HOLE = "/sign-in-next-hole/"  # no page: a path allauth accepts and nothing else writes
_HOLE_WORD = b"sign-in-next-hole"
_QUOTED_HOLE = quote_plus(NEXT_HOLE)  # as it stands in an address: %2Fsign-in-next-hole%2F


@cache_page_for_visitors("accounts:login", version=lambda: 1, params=("next",))
def _kept(request: HttpRequest) -> HttpResponseBase:
    response = allauth_login(request)
    # allauth marks its page private (never_cache), which keeps it out of the page cache: the
    # copy is kept here, and sign_in marks every answer again.
    for header in ("Cache-Control", "Expires"):
        if header in response:
            del response[header]
    return response


def _with_query(request: HttpRequest, query: str) -> None:
    request.GET = QueryDict(query)
    request.META["QUERY_STRING"] = query


def _fill(response: HttpResponse, next_url: str) -> bool:
    """Put `next_url` where the copy has the hole; False when the hole is left anywhere else."""
    content = response.content.replace(
        _QUOTED_HOLE.encode(), escape(quote_plus(next_url)).encode()
    ).replace(NEXT_HOLE.encode(), escape(next_url).encode())
    if _HOLE_WORD in content:
        return False
    response.content = content
    return True


def _for_allauth(request: HttpRequest) -> bool:
    """Requests the kept page must not answer (see the module's docstring)."""
    if request.method != "GET" or request.user.is_authenticated:
        return True
    if set(request.GET) - {"next"} or len(request.GET.getlist("next")) > 1:
        return True
    if (
        request.META.get("HTTP_X_REQUESTED_WITH")
        or "json" in request.META.get("HTTP_ACCEPT", "")
        or "json" in request.META.get("CONTENT_TYPE", "")
    ):
        return True  # allauth answers its scripts in JSON (its adapter's is_ajax)
    # A sign-in half done (password given, authenticator code awaited) lives in the session.
    return (
        settings.SESSION_COOKIE_NAME in request.COOKIES and get_pending_stage(request) is not None
    )


def sign_in(request: HttpRequest) -> HttpResponseBase:
    if _for_allauth(request):
        return allauth_login(request)
    response = _answer(request, _kept)
    return response if response is not None else allauth_login(request)


def _answer(
    request: HttpRequest, kept: Callable[[HttpRequest], HttpResponse | None]
) -> HttpResponse | None:
    """The page `kept` gives for the request's `next` (or for none), filled; None, with the
    request as it came, when `kept` gives none or the hole is where it cannot be filled."""
    query = request.META.get("QUERY_STRING", "")
    next_url = (get_next_redirect_url(request) or None) if "next" in request.GET else None
    _with_query(request, "" if next_url is None else f"next={_QUOTED_HOLE}")
    response = kept(request)
    if (
        next_url is not None
        and response is not None
        and response.status_code == 200
        and not response.streaming
        and not _fill(response, next_url)
    ):
        response = None  # the hole somewhere it cannot be filled
    if response is None:
        _with_query(request, query)  # rendered for this request
        return None
    add_never_cache_headers(response)
    return response


def _early(request: HttpRequest) -> HttpResponse | None:
    """The kept page alone, before the middleware (iapt_platform.middleware.KeptPageMiddleware)."""
    kept = early_answer(_kept)
    if kept is None or _for_allauth(request):
        return None
    with request_context(request):  # allauth's rule for `next` reads the request from it
        return _answer(request, kept)


answers_early(sign_in, _early)
