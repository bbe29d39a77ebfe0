"""Counted links of the bulletin: aggregate clicks per link, nothing about the reader.

When a send freezes an edition, every http(s) link of its HTML and text parts becomes
`/bulletin/r/<token>/`, where the token signs "<edition id>-<link id>" (django.core.signing), and
the edition gets one `EditionLink` row per distinct address. A click adds one to that row with a
single UPDATE and redirects to the address stored in it: the token names a row, never an address,
so the redirect can lead nowhere else. A token whose signature no longer verifies (an old key
rotated away) still leads to its link, without counting. Nothing in the address or the row tells
who clicked, and there is no open pixel.

Each subscriber's own links (unsubscribe, preferences) are placeholders at this point and stay
as they are; so do mailto: links. The archive's web version is rendered apart and keeps the plain
links; staff previews and test sends too (they are not part of a send's results).
"""

from __future__ import annotations

import html
import re
from dataclasses import replace

from django.conf import settings
from django.core import signing
from django.db import connection
from django.utils.encoding import iri_to_uri

from .models import EditionLink
from .rendering import (
    PREFERENCES_PLACEHOLDER,
    UNSUBSCRIBE_PLACEHOLDER,
    RenderedEdition,
    short_lines,
)

SALT = "newsletter.link"
# "." separates the signature: the value's "-" and the signature's base64 need no escaping in a
# path, and a mail program's linkifier keeps the whole address.
_signer = signing.Signer(salt=SALT, sep=".")
URL_LIMIT: int = EditionLink._meta.get_field("url").max_length or 2000
_PERSONAL = (UNSUBSCRIBE_PLACEHOLDER, PREFERENCES_PLACEHOLDER)

_HREF = re.compile(r'(href=")(https?://[^"]+)(")', re.IGNORECASE)
# A bare address in the text part (Markdown included): up to a space or a bracket; what may end a
# sentence is trimmed after (see _trim).
_TEXT_URL = re.compile(r"https?://[^\s<>\"'\[\]]+")


def token(edition_id: int, link_id: int) -> str:
    return _signer.sign(f"{edition_id}-{link_id}")


def read_token(value: str) -> tuple[int, int, bool]:
    """(edition id, link id, signed): `signed` is False for a signature that does not verify
    with the current key or a fallback. Raises ValueError when no ids can be read at all."""
    try:
        payload, signed = _signer.unsign(value), True
    except signing.BadSignature:
        payload, signed = value.rpartition(".")[0], False
    edition, _sep, link = payload.partition("-")
    if not (edition.isascii() and edition.isdigit() and link.isascii() and link.isdigit()):
        raise ValueError(value)
    if len(edition) > 18 or len(link) > 18:  # beyond a bigint: no such row
        raise ValueError(value)
    return int(edition), int(link), signed


def redirect_url(edition_id: int, link_id: int) -> str:
    return f"{settings.SITE_URL}/bulletin/r/{token(edition_id, link_id)}/"


def _trim(url: str) -> str:
    """A bare address without the punctuation that ends its sentence or its Markdown: a closing
    parenthesis stays when the address opened one (Wikipedia's addresses)."""
    while url and url[-1] in ".,;:!?*_~'":
        url = url[:-1]
    while url.endswith(")") and url.count(")") > url.count("("):
        url = url[:-1]
        while url and url[-1] in ".,;:!?*_~'":
            url = url[:-1]
    return url


def _countable(url: str) -> bool:
    return len(url) <= URL_LIMIT and not any(p in url for p in _PERSONAL)


def track(edition_id: int, rendered: RenderedEdition) -> RenderedEdition:
    """`rendered` with its links counted: once per edition, before the send. Running it again
    (a re-prepared send) finds the same rows, so the links keep their ids."""
    found: list[str] = []
    for match in _HREF.finditer(rendered.html):
        found.append(iri_to_uri(html.unescape(match.group(2))))
    for match in _TEXT_URL.finditer(rendered.text):
        found.append(iri_to_uri(_trim(match.group(0))))
    addresses = list(dict.fromkeys(url for url in found if _countable(url)))
    ids = _link_ids(edition_id, addresses)

    def html_link(match: re.Match[str]) -> str:
        url = iri_to_uri(html.unescape(match.group(2)))
        if url not in ids:
            return match.group(0)
        return f"{match.group(1)}{html.escape(redirect_url(edition_id, ids[url]))}{match.group(3)}"

    def text_link(match: re.Match[str]) -> str:
        raw = match.group(0)
        url = _trim(raw)
        link_id = ids.get(iri_to_uri(url))
        if link_id is None:
            return raw
        return redirect_url(edition_id, link_id) + raw[len(url) :]

    return replace(
        rendered,
        html=short_lines(_HREF.sub(html_link, rendered.html)),
        text=short_lines(_TEXT_URL.sub(text_link, rendered.text)),
    )


def _link_ids(edition_id: int, addresses: list[str]) -> dict[str, int]:
    existing = dict(EditionLink.objects.filter(edition_id=edition_id).values_list("url", "pk"))
    start = len(existing)
    EditionLink.objects.bulk_create(
        [
            EditionLink(edition_id=edition_id, url=url, position=start + i)
            for i, url in enumerate(u for u in addresses if u not in existing)
        ],
        ignore_conflicts=True,
    )
    return dict(
        EditionLink.objects.filter(edition_id=edition_id, url__in=addresses).values_list(
            "url", "pk"
        )
    )


def click(edition_id: int, link_id: int, *, count: bool) -> str | None:
    """The address of a link of an edition, counting the click when asked; None for no such
    link. Counting is one statement (UPDATE ... RETURNING): concurrent clicks never lose one."""
    table = connection.ops.quote_name(EditionLink._meta.db_table)
    if not count:
        sql = f"SELECT url FROM {table} WHERE id = %s AND edition_id = %s"  # noqa: S608 (table name from the model)
    else:
        sql = f"UPDATE {table} SET clicks = clicks + 1 WHERE id = %s AND edition_id = %s"  # noqa: S608 (table name from the model)
        if connection.vendor == "postgresql":
            # The statement's own transaction commits without waiting for the disk (the setting
            # is local to it): a database crash in that instant could forget one click, nothing
            # worse. Waiting made a click cost 7 times as much on a loaded machine.
            sql += " AND set_config('synchronous_commit', 'off', true) IS NOT NULL"
        sql += " RETURNING url"
    with connection.cursor() as cursor:
        cursor.execute(sql, [link_id, edition_id])
        row = cursor.fetchone()
    return row[0] if row else None
