"""Whole pages kept for visitors who are not signed in (after Discourse's anonymous cache).

A page is rendered once per address (path and query), language, reader time zone and version, and
kept for a few minutes. The version is a callable such as the registry's version (the `get` of an
`iapt_platform.lib.cache.CacheVersion`), which changes whenever the content behind the page does,
so a change shows at the next request.

The CSRF token is the one part of such a page that belongs to a visitor (the language switcher and
the bulletin form post): the cached copy holds a random placeholder where the token goes, made anew
for each copy and kept with it, and each hit gets the visitor's own token in its place. Signed-in
members, requests that carry a message to show, anything but GET and HEAD, and addresses with
parameters outside the view's own list (free text, tracking tags) go straight to the view, so that
nobody can fill the cache with copies nobody else will ask for.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable
from functools import wraps

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

_PLACEHOLDER = "_page_cache_placeholder"


def csrf_placeholder(request: HttpRequest) -> dict:
    """Context processor: while a page is rendered for the cache, its forms carry the placeholder.

    It runs after Django's own csrf processor, so its value wins for that render only.
    """
    placeholder = getattr(request, _PLACEHOLDER, None)
    return {"csrf_token": placeholder} if placeholder else {}


def _pending_messages(request: HttpRequest) -> bool:
    storage = getattr(request, "_messages", None)
    # len() loads the stored messages without marking them as shown.
    return storage is not None and len(storage) > 0


def _cacheable(request: HttpRequest, params: frozenset[str]) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and all(key in params for key in request.GET)
        and not request.user.is_authenticated
        and not _pending_messages(request)
    )


def _key(request: HttpRequest, name: str, version: object) -> str:
    address = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    fragment = "f" if request.headers.get("HX-Request") == "true" else "p"
    language = translation.get_language()
    zone = timezone.get_current_timezone_name()
    return f"pagecache:{name}:{version}:{language}:{zone}:{fragment}:{address}"


def _with_token(request: HttpRequest, content: bytes, placeholder: bytes) -> bytes:
    if placeholder not in content:
        return content
    # Any masked form of the visitor's secret is valid; get_token also sets the cookie when new.
    return content.replace(placeholder, get_token(request).encode())


def _storable(response: HttpResponse) -> bool:
    return (
        response.status_code == 200
        and not response.streaming
        and not response.cookies
        and "private" not in response.get("Cache-Control", "")
    )


def cache_page_for_visitors(
    name: str, *, version: Callable[[], object], params: Iterable[str] = (), timeout: int = 300
) -> Callable:
    """Serve the view's page from the cache to visitors who are not signed in.

    `params` lists the query parameters the page may carry and still be kept (a bounded set of
    values each: filters, sort, page); any other parameter sends the request to the view.
    """
    allowed = frozenset(params)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable(request, allowed):
                return view(request, *args, **kwargs)
            key = _key(request, name, version())
            stored = cache.get(key)
            if stored is not None:
                content, content_type, placeholder = stored
                return HttpResponse(
                    _with_token(request, content, placeholder), content_type=content_type
                )
            placeholder = f"csrf-{secrets.token_urlsafe(24)}"
            setattr(request, _PLACEHOLDER, placeholder)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            finally:
                setattr(request, _PLACEHOLDER, None)
            if response.streaming:
                return response
            mark = placeholder.encode()
            if _storable(response):
                cache.set(key, (response.content, response["Content-Type"], mark), timeout)
            response.content = _with_token(request, response.content, mark)
            return response

        return wrapped

    return decorator
