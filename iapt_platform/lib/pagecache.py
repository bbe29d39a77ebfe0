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
parameters outside the view's own list (tracking tags) go straight to the view, so that nobody can
fill the cache with copies nobody else will ask for.

A page that takes free text (a search's `q`, `words=True`) keeps only the searches asked again:
the first request for some words (normalised as lib/search.py does: case and accents do not
matter) renders the page and leaves a mark that lasts ASKED_SECONDS; a later request for the same
words keeps its page (under the current version, as any page), and the next ones are served from
it. The mark outlives versions: words people ask for are kept again at the first request after a
change. Words asked once (typing, a script trying names) leave a small mark each, never a page,
and each copy kept costs someone a request.

Single flight: the first request that misses a page takes a short lock and renders it; requests
for the same copy meanwhile (a burst of visitors, wrk's eight connections) wait for the page it
keeps, polling the cache for up to WAIT_SECONDS, instead of each rendering it. They render it
themselves when the lock goes without a page (not kept) or the wait runs out; without the cache
(Redis away, so no lock is seen) nobody waits.

A page whose content is the same for every signed-in member (the directory: nothing in it but
the frame depends on who reads) may also keep one copy for all members (`members=True`). That
copy is rendered with holes where the site frame goes (iapt_platform/lib/framecache.py), and
each hit fills them with the member's own frame (their unread count, their token), itself kept
for them. A page that shows anything else of one member says how, in one of two ways:

- a variant (`reader=` on the decorator, `varies_with(name, ...)` from another app): a short
  answer about the reader computed on each request ("manages it", "may propose a story") that
  joins the key, so members with the same answer share a copy. The view must render with the
  answer the variant gave (`reader_answer(request)`), never ask again: a change between the two
  would keep one reader's part in a copy for others;
- a hole (`reader_hole`, from a template tag such as the follow button): while the members' copy
  is rendered the tag leaves a mark with what it needs (a subject), and each hit fills it with the
  filler that tag registered (`hole_filler`), for this reader, with their own token.

Anything else of one member (a name, their own post's link) must not appear in a page kept so.
"""

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation

from iapt_platform.lib import framecache, search

from .cache import versions_read_together

_PLACEHOLDER = "_page_cache_placeholder"
_HOLES = "_page_cache_reader_holes"
_ANSWER = "_page_cache_reader_answer"
_HOLE_MARK = "-hole-"
WORDS = "q"  # the free-text parameter of a page kept with `words=True`
WAIT_SECONDS = 2.0  # the longest a request waits for another to render the same page
LOCK_SECONDS = 10  # a lock outlives a renderer that died by this much at most
ASKED_SECONDS = 3600  # how long words asked count as asked


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


def _words(request: HttpRequest) -> str:
    """The normalised words of the request's free text ("" for none)."""
    return " ".join(search.terms(" ".join(request.GET.getlist(WORDS))))


def _asked_mark(name: str, words: str) -> str:
    digest = hashlib.blake2b(words.encode(), digest_size=16).hexdigest()
    return f"pagecache:asked:{name}:{digest}"


def _asked(mark: str) -> int:
    """Count one more request for these words; how many there were (1: the first)."""
    cache.add(mark, 0, ASKED_SECONDS)
    try:
        return cache.incr(mark)
    except ValueError:  # expired just now, or the cache is away
        return 1


def _rendered_by_another(key: str, lock: str) -> Any:
    """The page another request is rendering (it holds `lock`), once kept; None when it finished
    without keeping it, or when it takes longer than WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    pause = 0.005
    while time.monotonic() < deadline:
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
        found = cache.get_many([key, lock])
        if key in found:
            return found[key]
        if lock not in found:
            return None
    return None


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


_VARIES: dict[str, list[Callable[[HttpRequest], str]]] = {}
_FILLERS: dict[str, Callable[[HttpRequest, Any], str]] = {}


def varies_with(name: str, answer: Callable[[HttpRequest], str]) -> None:
    """The members' copy of the page kept as `name` depends on `answer(request)` (a short string
    about the reader, computed on each request), added by an app whose part of the page it is."""
    _VARIES.setdefault(name, []).append(answer)


def hole_filler(name: str, fill: Callable[[HttpRequest, Any], str]) -> None:
    """`fill(request, value)` renders the part `reader_hole(request, name, value, ...)` left."""
    _FILLERS[name] = fill


def reader_hole(
    request: HttpRequest | None, name: str, value: Any, render: Callable[[], str]
) -> str:
    """The part `name` of one reader: rendered now (`render()`), or, while a page is kept for all
    members, a hole that each hit fills with `hole_filler(name)` for its reader. `value` (any
    JSON value: a subject, a label) is what the filler needs, kept in the page."""
    mark = getattr(request, _HOLES, None) if request is not None else None
    if not mark:
        return render()
    data = base64.urlsafe_b64encode(json.dumps(value).encode()).decode()
    return f"{mark}{name}:{data}."


def _fill_reader_holes(request: HttpRequest, content: bytes, mark: bytes) -> bytes:
    if mark not in content:
        return content

    def fill(found: re.Match) -> bytes:
        value = json.loads(base64.urlsafe_b64decode(found.group(2)))
        return _FILLERS[found.group(1).decode()](request, value).encode()

    return re.sub(re.escape(mark) + rb"(\w+):([A-Za-z0-9_=-]*)\.", fill, content)


def reader_answer(request: HttpRequest) -> Any:
    """What the page's own `reader=` answered for this request (None when it did not run)."""
    return getattr(request, _ANSWER, None)


def cache_page_for_visitors(
    name: str,
    *,
    version: Callable[[], object] | Sequence[Callable[[], object]],
    params: Iterable[str] = (),
    timeout: int = 300,
    on_hit: Callable[[HttpRequest, Any], None] | None = None,
    members: bool = False,
    reader: Callable[..., Any] | None = None,
    words: bool = False,
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
    `reader(request, *args, **kwargs)`, for such a page, answers what of the reader the page
    shows (a short value whose str joins the members' key; None sends the request to the view);
    the view reads it back with `reader_answer(request)`.
    `words=True`: the page also takes free text (`q`), kept only for words asked again (see the
    module's docstring).
    """
    allowed = frozenset((*params, WORDS) if words else params)
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
            if request.user.is_authenticated and (reader is not None or name in _VARIES):
                answer = reader(request, *args, **kwargs) if reader is not None else ""
                if answer is None:
                    return view(request, *args, **kwargs)
                setattr(request, _ANSWER, answer)
                variant = [str(answer), *(vary(request) for vary in _VARIES.get(name, ()))]
                page_version = f"{page_version}:{'.'.join(variant)}"
            key = _key(request, name, page_version)
            stored = cache.get(key)
            asked = _words(request) if words and stored is None else ""
            mark = _asked_mark(name, asked) if asked else ""
            keep = not mark or _asked(mark) > 1
            lock = ""
            if stored is None:
                if cache.add(f"{key}:rendering", 1, LOCK_SECONDS):
                    lock = f"{key}:rendering"
                else:
                    stored = _rendered_by_another(key, f"{key}:rendering")
            if stored is not None:
                content, content_type, placeholder, headers, note = stored
                content = framecache.fill_holes(request, content, placeholder + b"-frame-")
                content = _fill_reader_holes(request, content, placeholder + _HOLE_MARK.encode())
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
                setattr(request, _HOLES, placeholder + _HOLE_MARK)
            try:
                response = view(request, *args, **kwargs)
                if hasattr(response, "render") and callable(response.render):
                    response = response.render()
                if response.streaming:
                    return response
                # Words asked once are kept when others asked them while the page rendered.
                keep = keep or (cache.get(mark) or 0) > 1  # (mark is set when keep is not)
                token = placeholder.encode()
                if keep and _storable(response):
                    note = getattr(response, "page_cache_note", None)
                    entry = (response.content, response["Content-Type"], token)
                    cache.set(key, (*entry, _kept_headers(response), note), timeout)
            finally:
                setattr(request, _PLACEHOLDER, None)
                setattr(request, _HOLES, None)
                framecache.with_holes(request, None)
                if lock:
                    cache.delete(lock)
            content = framecache.fill_holes(request, response.content, token + b"-frame-")
            content = _fill_reader_holes(request, content, token + _HOLE_MARK.encode())
            response.content = _with_token(request, content, token)
            return response

        return wrapped

    return decorator
