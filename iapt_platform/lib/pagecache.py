"""Whole pages kept for visitors who are not signed in (after Discourse's anonymous cache).

A page is rendered once per address (path and query), language, reader time zone and version, and
kept for a few minutes. The versions are callables such as the registry's version (the `get` of an
`iapt_platform.lib.cache.CacheVersion`), one per kind of content the page shows (the home shows
several): each changes whenever its content does, so a change shows at the next request. Content
that changes with time alone (a meeting that starts, a story scheduled for later, an offer that
expires) is covered by a version that includes a time slot (`iapt_platform.lib.cache.timed`).

A page may show another app's content through a template tag (an initiative's page lists its
resources and stories): that app adds its version to the page's key from its AppConfig.ready(),
`also_shows("initiatives:detail", selectors.library_version)`, so the page's app imports none.

Headers the view sets (a robots tag, a content security policy) are kept with the page. A view
with a side effect on each reading (a read counter) leaves a note on its response
(`response.page_cache_note`, any picklable value); each hit passes it to `on_hit`.

The CSRF token is the one part of such a page that belongs to a visitor (the language switcher and
the bulletin form post): the cached copy holds a random placeholder where the token goes, made anew
for each copy and kept with it, and each hit gets the visitor's own token in its place. Signed-in
members, requests that carry a message to show, anything but GET and HEAD, and addresses with
parameters outside the view's own list (free text, tracking tags) go straight to the view, so that
nobody can fill the cache with copies nobody else will ask for.

A page whose content is the same for every signed-in member (the directory: nothing in it but
the frame depends on who reads) may also keep one copy for all members (`members=True`). That
copy is rendered with holes where the site frame goes (iapt_platform/lib/framecache.py), and
each hit fills them with the member's own frame (their unread count, their token), itself kept
for them. A page that shows anything else of one member (a follow button, a contact detail a
member may see, a manager's box) must not ask for it.
"""

import hashlib
import secrets
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from iapt_platform.lib import framecache

from .cache import versions_read_together

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


def _cacheable(request: HttpRequest, params: frozenset[str], members: bool) -> bool:
    return (
        request.method in ("GET", "HEAD")
        and all(key in params for key in request.GET)
        and (members or not request.user.is_authenticated)
        and not _pending_messages(request)
    )


def _key(request: HttpRequest, name: str, version: str) -> str:
    address = hashlib.blake2b(request.get_full_path().encode(), digest_size=16).hexdigest()
    fragment = "f" if request.headers.get("HX-Request") == "true" else "p"
    reader = "m" if request.user.is_authenticated else "v"  # members' copy, visitors' copy
    language = translation.get_language()
    zone = timezone.get_current_timezone_name()
    return f"pagecache:{name}:{version}:{language}:{zone}:{fragment}{reader}:{address}"


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


# Headers that belong to one response, not to the page.
_NOT_KEPT = frozenset({"content-length", "set-cookie", "vary", "content-type"})


def _kept_headers(response: HttpResponse) -> tuple[tuple[str, str], ...]:
    return tuple((k, v) for k, v in response.items() if k.lower() not in _NOT_KEPT)


_ALSO_SHOWN: dict[str, list[Callable[[], object]]] = {}


def also_shows(name: str, version: Callable[[], object]) -> None:
    """Another app's content appears on the page cached as `name`: its version joins the key."""
    _ALSO_SHOWN.setdefault(name, []).append(version)


def page_version(name: str, *versions: Callable[[], object]) -> str:
    """The version of what the page cached as `name` shows (its own versions and those other apps
    add), for fragments of that page kept for members (`{% cache %}` in its template)."""
    with versions_read_together():
        return "-".join(str(get()) for get in (*versions, *_ALSO_SHOWN.get(name, ())))


def cache_page_for_visitors(
    name: str,
    *,
    version: Callable[[], object] | Sequence[Callable[[], object]],
    params: Iterable[str] = (),
    timeout: int = 300,
    on_hit: Callable[[HttpRequest, Any], None] | None = None,
    members: bool = False,
) -> Callable:
    """Serve the view's page from the cache to visitors who are not signed in.

    `version` is the version of the content the page shows, or a list of them when it shows
    several kinds (each a callable: a `CacheVersion`'s `get`, or `timed(...)` of one; a callable
    that answers None keeps the page out of the cache).
    `params` lists the query parameters the page may carry and still be kept (a bounded set of
    values each: filters, sort, page); any other parameter sends the request to the view.
    `on_hit(request, note)` runs on each page served from the cache, with the note the view left
    on its response (see the module's docstring).
    `members=True` keeps one more copy, for every signed-in member, for a page whose content is
    the same for all of them (nothing of one member but the frame: see the module's docstring).
    """
    allowed = frozenset(params)
    versions = tuple(version) if isinstance(version, Sequence) else (version,)

    def current() -> str | None:
        with versions_read_together():  # one round trip for all of them
            parts = [get() for get in (*versions, *_ALSO_SHOWN.get(name, ()))]
        return None if None in parts else "-".join(str(part) for part in parts)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable(request, allowed, members):
                return view(request, *args, **kwargs)
            page_version = current()
            if page_version is None:  # nothing names what the page shows: never kept
                return view(request, *args, **kwargs)
            key = _key(request, name, page_version)
            stored = cache.get(key)
            if stored is not None:
                content, content_type, placeholder, headers, note = stored
                content = framecache.fill_holes(request, content, placeholder + b"-frame-")
                hit = HttpResponse(
                    _with_token(request, content, placeholder), content_type=content_type
                )
                for header, value in headers:
                    hit[header] = value
                if on_hit is not None:
                    on_hit(request, note)
                return hit
            placeholder = f"csrf-{secrets.token_urlsafe(24)}"
            setattr(request, _PLACEHOLDER, placeholder)
            if request.user.is_authenticated:
                framecache.with_holes(request, placeholder + "-frame-")
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
            finally:
                setattr(request, _PLACEHOLDER, None)
                framecache.with_holes(request, None)
            if response.streaming:
                return response
            mark = placeholder.encode()
            if _storable(response):
                note = getattr(response, "page_cache_note", None)
                entry = (response.content, response["Content-Type"], mark)
                cache.set(key, (*entry, _kept_headers(response), note), timeout)
            content = framecache.fill_holes(request, response.content, mark + b"-frame-")
            response.content = _with_token(request, content, mark)
            return response

        return wrapped

    return decorator
