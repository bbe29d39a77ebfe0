"""Fragments kept once for every reader, whatever their language and time zone.

A fragment (a forum post as members see it) is rendered once and kept; what in it belongs to one
reader is left as a hole, filled for each reader when a page is put together (`fill`):

- a date, in the reader's time zone and their language's format (`Holes.when`, `Holes.iso`);
- a label, in the reader's language (`Holes.labels`, `Holes.plural`, `Holes.text`): the labels
  are a mapping of keys to lazy translations that the caller owns (so that `makemessages` finds
  them in its code) and passes both to `Holes` and to `fill`;
- a file size, written in the reader's language (`Holes.size`);
- an address of a page under the reader's language prefix (`Holes.address`): the fragment holds
  the Spanish address, the default language's, with a hole where a prefix goes (`/en/…`);
- the reader's CSRF token (`Holes.token`).

A hole is `<mark><kind><payload>.`. The mark is random for each rendering pass and kept with what
it rendered (`Holes.mark`): `fill` fills only the marks it is given, so text written by members,
which cannot know one, never makes a hole. The payload is made of characters that need no
escaping in HTML, in an attribute or in an address.

A fragment is rendered with the default language and UTC active (`Holes.neutral`): anything left
out of a hole by mistake shows the same, wrong, text to every reader, which tests see, rather
than the language of whoever happened to render it first.
"""

from __future__ import annotations

import base64
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.urls import get_script_prefix
from django.utils import formats, timezone, translation
from django.utils.dateformat import DateFormat, re_escaped, re_formatchars
from django.utils.html import escape

from . import languages

HOLE = re.compile(r"(hole[0-9a-f]{20})([a-z])([A-Za-z0-9_=-]*)\.")
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _microseconds(when: datetime) -> int:
    return (when - EPOCH) // timedelta(microseconds=1)


class Holes:
    """The holes of one rendering pass, under one random mark."""

    def __init__(self, labels: Mapping[str, Any]) -> None:
        self.mark = f"hole{secrets.token_hex(10)}"
        # For templates: `{{ labels.key }}` is the hole of the label `key`.
        self.labels = {key: f"{self.mark}t{key}." for key in labels}
        self.token = f"{self.mark}k."  # the CSRF token
        self.cut = f"{self.mark}x."  # between two fragments of one pass (never filled)
        self._script = get_script_prefix()
        self._prefix = f"{self._script}{self.mark}p."

    def plural(self, key: str, count: int) -> str:
        """The label `key` (an `ngettext_lazy` with the number named "counter") for `count`."""
        return f"{self.mark}n{key}-{int(count)}."

    def text(self, key: str, **params: str) -> str:
        """The label `key` (a `gettext_lazy` with named placeholders) with `params` put in:
        text, escaped when filled, or holes (a date)."""
        data = base64.urlsafe_b64encode(json.dumps([key, params]).encode()).decode()
        return f"{self.mark}f{data}."

    def when(self, moment: datetime) -> str:
        """`moment` as `{{ moment|date:"DATETIME_FORMAT" }}` shows it to the reader."""
        return f"{self.mark}d{_microseconds(moment)}."

    def iso(self, moment: datetime) -> str:
        """`moment` as `{{ moment|date:"c" }}` (a `<time datetime>`) in the reader's zone."""
        return f"{self.mark}i{_microseconds(moment)}."

    def size(self, size: int) -> str:
        """`{{ size|filesizeformat }}` in the reader's language."""
        return f"{self.mark}s{int(size)}."

    def address(self, path: str) -> str:
        """`path`, a page's address in the default language (unprefixed), under the reader's."""
        return self._prefix + path.removeprefix(self._script)

    @staticmethod
    @contextmanager
    def neutral() -> Iterator[None]:
        """The language and time zone a fragment is rendered in (see the module's docstring)."""
        with translation.override(settings.LANGUAGE_CODE), timezone.override(UTC):
            yield


# Format characters (django.utils.dateformat) whose text depends on the day only, and those that
# depend on the hour and minute only: kept while a page is filled (a month's name, "p.m." cost a
# translation each), so that fifty dates cost a little more than one.
_DAY = frozenset("bdDEFjlLmMnNStwWyYz")
_CLOCK = frozenset("aAfgGhHiP")


class _Dates:
    """Dates for one reader: their zone, their language's DATETIME_FORMAT, as the `date` filter
    writes them (`{{ moment|date:"DATETIME_FORMAT" }}`), with the format read once."""

    def __init__(self) -> None:
        fmt = str(formats.get_format("DATETIME_FORMAT"))
        self.pieces = [
            (True, piece) if n % 2 else (False, re_escaped.sub(r"\1", piece))
            for n, piece in enumerate(re_formatchars.split(fmt))
            if piece
        ]
        self.zone = timezone.get_current_timezone()
        self.moments: dict[str, datetime] = {}
        self.parts: dict[tuple, str] = {}

    def moment(self, payload: str) -> datetime:
        found = self.moments.get(payload)
        if found is None:
            moment = EPOCH + timedelta(microseconds=int(payload))
            found = self.moments[payload] = moment.astimezone(self.zone)
        return found

    def shown(self, payload: str) -> str:
        moment = self.moment(payload)
        written = DateFormat(moment)
        parts = []
        for is_format, piece in self.pieces:
            if not is_format:
                parts.append(piece)
                continue
            if piece in _DAY:
                key: tuple = (piece, moment.date())
            elif piece in _CLOCK:
                key = (piece, moment.hour, moment.minute)
            else:
                parts.append(str(getattr(written, piece)()))
                continue
            text = self.parts.get(key)
            if text is None:
                text = self.parts[key] = str(getattr(written, piece)())
            parts.append(text)
        return "".join(parts)


def fill(html: str, marks: Iterable[str], *, labels: Mapping[str, Any], token: str) -> str:
    """`html` with the holes of `marks` filled for the reader: the active language and time
    zone, their CSRF `token`."""
    marks = frozenset(marks)
    script = get_script_prefix()
    prefix = languages.with_prefix(script, translation.get_language()).removeprefix(script)
    done: dict[str, str] = {}  # each hole's text, once
    dates = _Dates()

    def one(found: re.Match) -> str:
        whole = found.group(0)
        text = done.get(whole)
        if text is None:
            mark, kind, payload = found.groups()
            text = done[whole] = _filled(kind, payload) if mark in marks else whole
        return text

    def _filled(kind: str, payload: str) -> str:
        if kind == "p":
            return prefix
        if kind == "k":
            return token
        if kind == "t":
            return escape(str(labels[payload]))
        if kind == "n":
            key, _dash, count = payload.rpartition("-")
            return escape(str(labels[key] % {"counter": int(count)}))
        if kind == "f":
            # As {% blocktranslate %}: the parameters escaped, not the translation.
            key, params = json.loads(base64.urlsafe_b64decode(payload))
            escaped = {name: HOLE.sub(one, escape(value)) for name, value in params.items()}
            return str(labels[key]) % escaped
        if kind == "d":
            return escape(dates.shown(payload))
        if kind == "i":
            return dates.moment(payload).isoformat()
        if kind == "s":
            return escape(filesizeformat(int(payload)))
        raise ValueError(f"no such hole: {kind}")

    return HOLE.sub(one, html)
