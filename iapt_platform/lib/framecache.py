"""The site frame (header, menus, languages, account menu, footer) rendered once and kept.

Every page pays for its frame, and a signed-in member's pages are never kept whole
(`iapt_platform.lib.pagecache` serves visitors only). Yet the frame differs between readers in a
handful of values: the language, the time zone, the section being read, whether the reader is
signed in, their unread count. `{% kept_frame "header" value ... %}` keeps its content rendered
under those values (the language and time zone always, the others named in the tag), so readers
who would see the same frame share one copy, and a reader whose count or language changes gets
another copy at once: nothing is invalidated, a changed value is a different key. The parts of
one frame name the same values and are kept in one entry, read once per page.

Visitors share one frame per language, time zone and section. A member's frame is theirs, under
the version of their unread count (`UNREAD_VERSION`, which every change to their notifications
bumps): a page reads that version and the frame, never the count itself until it changes.

Two parts belong to one request and are put into each copy as it is served, the way the page
cache puts a visitor's token into a kept page: the CSRF token (the copy holds a random mark where
it goes; each request gets the token its own context gives, the visitor page cache's placeholder
while a whole page is being kept) and the address being read (`{{ FRAME_PATH }}`, the `next` of
the language switcher and the source of the bulletin form), escaped as the template would.

Nothing else of one reader may appear inside the tag (no name, no per-member link): what is
inside is shared by everyone with the same values. A copy is kept for a few minutes, so a
deployment that changes the frame's templates shows everywhere within that time.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable

from django.core.cache import cache
from django.http import HttpRequest
from django.template.context import make_context
from django.template.loader import get_template
from django.utils import timezone, translation
from django.utils.html import escape

TIMEOUT = 300
_TOKEN, _PATH = "t", "p"
_MEMO = "_kept_frame"
_HOLES = "_frame_holes"
FRAME_TEMPLATE = "includes/frame.html"


def _key(values: list[object]) -> str:
    parts = [translation.get_language() or "", timezone.get_current_timezone_name(), *values]
    digest = hashlib.blake2b(repr([str(p) for p in parts]).encode(), digest_size=16).hexdigest()
    return f"frame:{digest}"


def kept(
    name: str,
    values: list[object],
    *,
    request: HttpRequest,
    csrf_token: object,
    render: Callable[[str, str], str],
) -> str:
    """The part `name` for `values`, with this request's token and address in it.

    `render(token, path)` renders the part with those stand-ins when no copy is kept. The parts
    of one frame (the same values) are kept together: a page reads its frame in one cache call.
    """
    holes = getattr(request, _HOLES, None)
    if holes:  # a page kept for all members: each member's own frame goes here on each hit
        return f"{holes}{name}."
    key = _key(values)
    memo: dict[str, dict] = request.__dict__.setdefault(_MEMO, {})
    if key not in memo:
        memo[key] = cache.get(key) or {}
    parts = memo[key]
    if name not in parts:
        mark = f"frame-{secrets.token_urlsafe(18)}-"
        parts[name] = (render(mark + _TOKEN, mark + _PATH), mark)
        cache.set(key, parts, TIMEOUT)
    content, mark = parts[name]
    own = {_TOKEN: str(csrf_token), _PATH: escape(request.get_full_path())}
    # One pass: an address that happened to hold the mark is never replaced again.
    return re.sub(re.escape(mark) + "([tp])", lambda m: own[m.group(1)], content)


def with_holes(request: HttpRequest, mark: str | None) -> None:
    """While a page is rendered for every member (`mark`; None after), its frame is a hole."""
    setattr(request, _HOLES, mark)


def fill_holes(request: HttpRequest, content: bytes, mark: bytes) -> bytes:
    """This member's own frame (kept for them) in the holes of a page kept for all members."""
    if mark not in content:
        return content
    frame = get_template(FRAME_TEMPLATE).template  # type: ignore[attr-defined]  # Django's own
    # One context for every part: its processors (the member's unread version) run once.
    context = make_context({}, request)
    with context.bind_template(frame):
        parts = {}
        for name in set(re.findall(re.escape(mark) + rb"(\w+)\.", content)):
            with context.push(part=name.decode()):
                parts[name] = frame.render(context).encode()
    return re.sub(re.escape(mark) + rb"(\w+)\.", lambda m: parts[m.group(1)], content)
