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

A visitor's copy is also answered before most of the middleware
(iapt_platform.middleware.KeptPageMiddleware): without a session cookie or a message cookie,
nothing that the session, the user and the messages middleware give a request can change it, so
the copy is found by the view's address alone (`early_answer`) and served with what those
middleware would add to it. A view under a decorator that does more to a GET than let it through
(its own frame policy, members only) is never answered so. When no copy is found the request
goes on through the whole chain, and the view's own lookup takes what the early one read.

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

A page may also keep each member's answers (`keep_answers=True`): what `reader=` and
`varies_with` answered and what the kept hole fillers (`hole_filler(..., kept=True)`) rendered,
for this member, page address, language and page version, read in one call with the member's
own version (`member_version_key`). Every change that may change one of those answers calls
`member_changed(user_id)` (the helpers below connect it to a model's saves and deletes and to a
many-to-many link's changes), which bumps that version: the next request asks again. An answer
that depends on anything else must not be kept so.
"""

import base64
import hashlib
import inspect
import json
import re
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from typing import TYPE_CHECKING, Any

from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.views.decorators.http import require_http_methods

from iapt_platform.lib import framecache, search

from .cache import count, read_values, set_many_and_delete, versions_read_together

if TYPE_CHECKING:
    from django.db.models import Model

_PLACEHOLDER = "_page_cache_placeholder"
_HOLES = "_page_cache_reader_holes"
_ANSWER = "_page_cache_reader_answer"
_HOLE_MARK = "-hole-"
WORDS = "q"  # the free-text parameter of a page kept with `words=True`
WAIT_SECONDS = 2.0  # the longest a request waits for another to render the same page
LOCK_SECONDS = 10  # a lock outlives a renderer that died by this much at most
ASKED_SECONDS = 3600  # how long words asked count as asked
_MEMBER_VERSION = "pagecache:member-version:{}"
_KEPT_TOKEN = re.compile(rb'(name="csrfmiddlewaretoken" value=")([A-Za-z0-9]{32,64})(")')
_TOKEN_LIKE = re.compile(rb"[A-Za-z0-9]{32,}")


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
    try:
        return count(mark, ASKED_SECONDS)
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


_KEPT_FILLERS: set[str] = set()


def hole_filler(name: str, fill: Callable[[HttpRequest, Any], str], *, kept: bool = False) -> None:
    """`fill(request, value)` renders the part `reader_hole(request, name, value, ...)` left.
    `kept`: what it renders for a member changes only with changes that call `member_changed`
    for them, so a page with `keep_answers` keeps it per member (its token put in on each hit)."""
    _FILLERS[name] = fill
    if kept:
        _KEPT_FILLERS.add(name)


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


def _fill_reader_holes(
    request: HttpRequest, content: bytes, mark: bytes, kept: dict[bytes, bytes] | None = None
) -> bytes:
    """Each hole filled for this reader; with `kept` (a member's kept fills by hole, with the mark
    kept under b"" where their token goes), from it where it has the hole, adding what it lacks."""
    if mark not in content:
        return content

    def fill(found: re.Match) -> bytes:
        hole = found.group(1) + b":" + found.group(2)
        if kept is not None and hole in kept:
            return kept[hole].replace(kept[b""], get_token(request).encode())
        name = found.group(1).decode()
        value = json.loads(base64.urlsafe_b64decode(found.group(2)))
        filled = _FILLERS[name](request, value).encode()
        if kept is not None and name in _KEPT_FILLERS:
            token_mark = kept.setdefault(b"", f"kept-{secrets.token_urlsafe(18)}".encode())
            keepable = _KEPT_TOKEN.sub(rb"\g<1>" + token_mark + rb"\g<3>", filled)
            # Kept only if the token in its form was its one part of this request.
            if not _TOKEN_LIKE.search(keepable):
                kept[hole] = keepable
        return filled

    return re.sub(re.escape(mark) + rb"(\w+):([A-Za-z0-9_=-]*)\.", fill, content)


def csrf_token_of(request: HttpRequest) -> str:
    """The token a form rendered outside a template's context carries (a fragment kept on its
    own): the placeholder while the page is rendered to be kept, else the reader's own."""
    return getattr(request, _PLACEHOLDER, None) or get_token(request)


def reader_answer(request: HttpRequest) -> Any:
    """What the page's own `reader=` answered for this request (None when it did not run)."""
    return getattr(request, _ANSWER, None)


_MEMBER_VERSIONS: list[Callable[[Any], str]] = []


def reads_member_version(key_of: Callable[[Any], str]) -> None:
    """Every page kept for members reads the version `key_of(user_id)` of the member (one their
    frame shows: their unread count's) with the page's own versions, in the same call, and
    answers its `CacheVersion.get` from that read."""
    _MEMBER_VERSIONS.append(key_of)


def member_version_key(user_id: object) -> str:
    """The key of the version of what is kept of member `user_id`'s answers (see the docstring)."""
    return _MEMBER_VERSION.format(user_id)


def member_changed(*user_ids: object) -> None:
    """Something that may change these members' kept answers changed: bump their versions now and
    again once the transaction commits (as `CacheVersion.bump_around_commit`)."""
    from django.db import transaction

    keys = [member_version_key(pk) for pk in user_ids if pk is not None]

    def bump() -> None:
        for key in keys:
            try:
                cache.incr(key)
            except ValueError:  # missing (or the cache away): a value no kept answer was under
                cache.set(key, secrets.randbits(48), None)

    if keys:
        bump()
        transaction.on_commit(bump)


def members_change_with(model: "type[Model]", user_field: str = "user_id") -> None:
    """Each save or delete of `model` changes the kept answers of the member `user_field` names."""
    from django.db.models.signals import post_delete, post_save

    def changed(sender: type, instance: Any, **kwargs: Any) -> None:
        member_changed(getattr(instance, user_field, None))

    uid = f"pagecache-member:{model._meta.label}"
    post_save.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:save")
    post_delete.connect(changed, sender=model, weak=False, dispatch_uid=f"{uid}:delete")


def members_change_with_link(through: "type[Model]", user_model: "type[Model]") -> None:
    """Each change to the many-to-many table `through` (members and something else: the managers
    of initiatives, the members of groups), from either side, changes the kept answers of the
    members it links or unlinks."""
    from django.db.models.signals import m2m_changed

    user_fk = next(
        f for f in through._meta.fields if f.is_relation and f.related_model is user_model
    )
    other_fk = next(f for f in through._meta.fields if f.is_relation and f is not user_fk)

    def changed(sender: type, instance: Any, action: str, pk_set: Any, **kwargs: Any) -> None:
        if isinstance(instance, user_model):
            ids: Iterable[Any] = (
                [instance.pk] if action in ("post_add", "post_remove", "pre_clear") else []
            )
        elif action in ("post_add", "post_remove"):
            ids = pk_set or ()
        elif action == "pre_clear":
            ids = through._default_manager.filter(**{other_fk.attname: instance.pk}).values_list(
                user_fk.attname, flat=True
            )
        else:
            return
        member_changed(*ids)

    m2m_changed.connect(
        changed, sender=through, weak=False, dispatch_uid=f"pagecache-member:{through._meta.label}"
    )
    members_change_with(through, user_fk.attname)  # rows written or deleted directly


def _member_answer_keys(request: HttpRequest, name: str) -> tuple[str, str]:
    """The keys of this member's version and of their kept answers for the page."""
    user_id = request.user.pk
    return member_version_key(user_id), f"pagecache:answers:{user_id}:{_key(request, name, '')}"


def _member_answers(
    request: HttpRequest, name: str, found: dict[str, Any] | None
) -> tuple[str, Any, Any]:
    """The key of this member's kept answers for the page, their version, and what is kept (None:
    nothing), from what was `found` with the versions (read now when None: an outer read). The
    version None: the cache is away (nothing is kept then)."""
    version_key, key = _member_answer_keys(request, name)
    if found is None:
        found = cache.get_many([version_key, key])
    version = found.get(version_key)
    if version is None:  # a member never changed, or an evicted key: a value never used before
        version = secrets.randbits(48)
        if not cache.add(version_key, version, None):
            version = cache.get(version_key)
    return key, version, found.get(key)


def _copy_served(
    request: HttpRequest, stored: tuple, fills: dict[bytes, bytes] | None
) -> HttpResponse:
    """The kept copy `stored` as this reader's answer: their frame, their parts and their token
    put in, with the headers the view set."""
    content, content_type, placeholder, headers, _note = stored
    content = framecache.fill_holes(request, content, placeholder + b"-frame-")
    content = _fill_reader_holes(request, content, placeholder + _HOLE_MARK.encode(), fills)
    hit = HttpResponse(_with_token(request, content, placeholder), content_type=content_type)
    for header, value in headers:
        hit[header] = value
    return hit


# --- A visitor's kept page answered before the middleware that only a rendered page needs --------
# (iapt_platform.middleware.KeptPageMiddleware: no session, no user, no messages, no view.)

_EARLY_VIEWS: dict[Callable, Callable[..., HttpResponse | None]] = {}
_EARLY_FOUND: dict[Callable, Callable[..., HttpResponse | None] | None] = {}
_EARLY_READ = "_page_cache_early_read"  # what the early lookup read and did not find


def answers_early(view: Callable, kept: Callable[..., HttpResponse | None]) -> None:
    """`kept(request, *args, **kwargs)` answers a visitor's GET of `view` from the cache alone
    (None: not kept, the request goes through the middleware to the view, as any other). It
    must answer exactly what the view would: the copy the view itself would serve."""
    _EARLY_VIEWS[view] = kept
    _EARLY_FOUND.clear()


# The code of Django's require_http_methods wrapper (require_GET, require_safe): wraps() gives
# the wrapper the view's names, not its code.
_METHODS_CHECK = require_http_methods(["GET"])(lambda request: HttpResponse()).__code__


def _lets_a_get_through(view: Callable) -> bool:
    """A decorator's wrapper that does nothing to a GET but let it through to the view it wraps
    (django's require_GET, require_safe, require_http_methods with GET)."""
    if getattr(view, "__code__", None) is not _METHODS_CHECK:
        return False
    return "GET" in inspect.getclosurevars(view).nonlocals.get("request_method_list", ())


def early_answer(view: Callable) -> Callable[..., HttpResponse | None] | None:
    """What answers a visitor's GET of the resolved `view` from the cache alone, or None: the
    view must be a kept page's, under nothing but decorators that let a GET through unchanged
    (any other decorator, say one that adds a header or asks for a member, has its say first)."""
    if view in _EARLY_FOUND:
        return _EARLY_FOUND[view]
    found, inner = None, view
    while True:
        if inner in _EARLY_VIEWS:
            found = _EARLY_VIEWS[inner]
            break
        if not _lets_a_get_through(inner) or not hasattr(inner, "__wrapped__"):
            break
        inner = inner.__wrapped__
    _EARLY_FOUND[view] = found
    return found


def cache_page_for_visitors(
    name: str,
    *,
    version: Callable[[], object] | Sequence[Callable[[], object]],
    params: Iterable[str] = (),
    timeout: int = 300,
    on_hit: Callable[[HttpRequest, Any], None] | None = None,
    members: bool = False,
    reader: Callable[..., Any] | None = None,
    keep_answers: bool = False,
    words: bool = False,
) -> Callable:
    """Serve the view's page from the cache to visitors who are not signed in.

    `version` is the version of the content the page shows, or a list of them when it shows
    several kinds (each a callable: a `CacheVersion`'s `get`, or `timed(...)` of one; a callable
    that answers None keeps the page out of the cache). An empty list, for a page of one object
    whose versions are that object's: its `reader=` answer names them (read with the object).
    `params` lists the query parameters the page may carry and still be kept (a bounded set of
    values each: filters, sort, page); any other parameter sends the request to the view.
    `on_hit(request, note)` runs on each page served from the cache, with the note the view left
    on its response (see the module's docstring); for a visitor's page answered early (before
    the session and the user: KeptPageMiddleware), so it must need neither.
    `members=True` keeps one more copy, for every signed-in member, for a page whose content is
    the same for all of them (nothing of one member but the frame: see the module's docstring).
    `reader(request, *args, **kwargs)`, for such a page, answers what of the reader the page
    shows (a short value whose str joins the members' key; None sends the request to the view);
    the view reads it back with `reader_answer(request)`.
    `keep_answers=True` keeps each member's answers (of `reader`, of `varies_with` and of the
    kept hole fillers) until `member_changed` or the page's version says otherwise (see the
    module's docstring).
    `words=True`: the page also takes free text (`q`), kept only for words asked again (see the
    module's docstring).
    """
    allowed = frozenset((*params, WORDS) if words else params)
    versions = tuple(version) if isinstance(version, Sequence) else (version,)
    # The version this process read last: a hit reads the page kept under it with the versions.
    last_read: list[str] = []

    def current() -> str | None:
        if not versions and not _ALSO_SHOWN.get(name):
            return ""  # `version=()`: a page whose `reader=` answer names its versions itself
        with versions_read_together():  # one round trip for all of them (or the outer one's)
            parts = [get() for get in (*versions, *_ALSO_SHOWN.get(name, ()))]
        return None if None in parts else "-".join(str(part) for part in parts)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not _cacheable(request, allowed, members):
                return view(request, *args, **kwargs)
            early = getattr(request, _EARLY_READ, None)
            if early is not None and early[0] == name and not request.user.is_authenticated:
                # Read a moment ago by the early lookup (KeptPageMiddleware), which found no copy
                # under early[2]: not read again.
                with versions_read_together(known=early[1]):
                    return served(request, early[2], {}, *args, **kwargs)
            # A page whose key is its version alone (no answer about the reader joins it): its
            # copy under the version read last is asked for in the same call as the versions.
            member = request.user.is_authenticated
            plain = not member or (reader is None and name not in _VARIES)
            guess = _key(request, name, last_read[0]) if plain and last_read else ""
            # A member's own versions (their frame's) and what is kept of their answers: known
            # before the page's versions, read with them.
            mine = [key_of(request.user.pk) for key_of in _MEMBER_VERSIONS] if member else []
            answers = _member_answer_keys(request, name) if keep_answers and member else ()
            # Every version read once, before anything they name (the page's key, and the keys
            # of what the view keeps on its own): one cache round trip for all of them.
            also = (*((guess,) if guess else ()), *answers)
            with versions_read_together(*also, versions=mine) as found:
                return served(request, guess, found, *args, **kwargs)

        def kept_for_visitor(request: HttpRequest, *args, **kwargs) -> HttpResponse | None:
            """The visitor's copy from the cache alone (no view, no lock, no wait), or None,
            leaving what it read for the view's own lookup (see `wrapped`)."""
            if not _cacheable(request, allowed, False):
                return None
            guessed = last_read[0] if last_read else None
            guess = _key(request, name, guessed) if guessed is not None else ""
            with versions_read_together(*((guess,) if guess else ())) as found:
                page_version = current()
                if page_version is None:
                    return None
                last_read[:] = [page_version]
                key = guess if page_version == guessed else _key(request, name, page_version)
                stored = found.get(key) if found is not None and key == guess else cache.get(key)
                if stored is None:
                    setattr(request, _EARLY_READ, (name, read_values(), key))
                    return None
            hit = _copy_served(request, stored, None)
            if on_hit is not None:  # (it needs no session nor user: a reading counter)
                on_hit(request, stored[4])
            return hit

        def served(
            request: HttpRequest,
            guess: str,
            found: dict[str, Any] | None,
            *args,
            **kwargs,
        ) -> HttpResponse:
            page_version = current()
            if page_version is None:  # nothing names what the page shows: never kept
                return view(request, *args, **kwargs)
            last_read[:] = [page_version]
            kept_key, kept_version, kept = None, None, None
            fills: dict[bytes, bytes] | None = None
            if keep_answers and request.user.is_authenticated:
                kept_key, kept_version, kept = _member_answers(request, name, found)
                if kept_version is None:
                    kept_key = None  # the cache is away: nothing kept
                elif kept is not None and kept[:2] == (kept_version, page_version):
                    fills = dict(kept[4])
                else:
                    kept = None
                    fills = {}
            variant = None
            if kept is not None:
                setattr(request, _ANSWER, kept[2])
                variant = kept[3]
            elif request.user.is_authenticated and (reader is not None or name in _VARIES):
                answer = reader(request, *args, **kwargs) if reader is not None else ""
                if answer is None:
                    return view(request, *args, **kwargs)
                setattr(request, _ANSWER, answer)
                variant = ".".join(
                    [str(answer), *(vary(request) for vary in _VARIES.get(name, ()))]
                )
            known = dict(fills) if fills is not None else None
            version_read = page_version

            def member_answers_to_keep() -> dict[str, Any]:
                if kept_key is not None and (kept is None or fills != known):
                    entry = (kept_version, version_read, reader_answer(request), variant, fills)
                    return {kept_key: entry}
                return {}

            if variant is not None:
                page_version = f"{page_version}:{variant}"
            key = _key(request, name, page_version)
            stored = found.get(key) if found is not None and key == guess else cache.get(key)
            asked = _words(request) if words and stored is None else ""
            mark = _asked_mark(name, asked) if asked else ""
            keep_page = not mark or _asked(mark) > 1
            lock = ""
            if stored is None:
                if cache.add(f"{key}:rendering", 1, LOCK_SECONDS):
                    lock = f"{key}:rendering"
                else:
                    stored = _rendered_by_another(key, f"{key}:rendering")
            if stored is not None:
                hit = _copy_served(request, stored, fills)
                if answers := member_answers_to_keep():
                    cache.set_many(answers, timeout)
                if on_hit is not None:
                    on_hit(request, stored[4])
                return hit
            placeholder = f"csrf-{secrets.token_urlsafe(24)}"
            setattr(request, _PLACEHOLDER, placeholder)
            if request.user.is_authenticated:
                framecache.with_holes(request, placeholder + "-frame-")
                setattr(request, _HOLES, placeholder + _HOLE_MARK)
            # What is kept (the page, the member's answers) is written and the lock released in
            # one cache call, once the reader's holes are filled; the lock alone on a failure.
            to_keep: dict[str, Any] = {}
            try:
                try:
                    response = view(request, *args, **kwargs)
                    if hasattr(response, "render") and callable(response.render):
                        response = response.render()
                    if response.streaming:
                        return response
                    # Words asked once are kept when others asked them while the page rendered.
                    keep_page = keep_page or (cache.get(mark) or 0) > 1  # (mark is set when not)
                    token = placeholder.encode()
                    storable = _storable(response)
                    if keep_page and storable:
                        note = getattr(response, "page_cache_note", None)
                        entry = (response.content, response["Content-Type"], token)
                        to_keep[key] = (*entry, _kept_headers(response), note)
                finally:
                    setattr(request, _PLACEHOLDER, None)
                    setattr(request, _HOLES, None)
                    framecache.with_holes(request, None)
                content = framecache.fill_holes(request, response.content, token + b"-frame-")
                content = _fill_reader_holes(request, content, token + _HOLE_MARK.encode(), fills)
                if storable:
                    to_keep.update(member_answers_to_keep())
            finally:
                if to_keep or lock:
                    set_many_and_delete(to_keep, timeout, delete=[lock] if lock else [])
            response.content = _with_token(request, content, token)
            return response

        answers_early(wrapped, kept_for_visitor)
        return wrapped

    return decorator
