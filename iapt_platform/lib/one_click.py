"""One-click unsubscribe (RFC 8058 and RFC 2369), for every email a person subscribed to: the
bulletin and the community's notifications and digests.

Each message carries `List-Unsubscribe: <https://…/TOKEN/>, <mailto:unsubscribe+TOKEN@domain>` and
`List-Unsubscribe-Post: List-Unsubscribe=One-Click`. The mail provider POSTs to the address with no
cookie and no CSRF token, so the token in the URL is the proof: it names one person (or subscriber)
and one kind of email, signed, never expiring (an old message keeps working), and short enough
for the local part of a mailto address (at most 64 characters; some servers fold case, so it is
lower-case hex). A GET never unsubscribes: link scanners open every link of a message.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.utils.crypto import constant_time_compare, salted_hmac


class BadToken(ValueError):
    """An altered or foreign token."""


def make_token(*, salt: str, pk: int, prefix: str = "") -> str:
    """`<prefix><pk>-<32 hex digits of HMAC>`; the prefix tells the kinds apart in one mailbox."""
    mac = salted_hmac(salt, str(pk), algorithm="sha256").hexdigest()
    return f"{prefix}{pk}-{mac[:32]}"


def read_token(token: str, *, salt: str, prefix: str = "") -> int:
    """The pk a token names; raises BadToken for anything else."""
    token = token.lower()
    if not token.startswith(prefix):
        raise BadToken(token)
    pk, _sep, _mac = token[len(prefix) :].partition("-")
    # ASCII digits of a sane length only: int() refuses "²" and numbers of thousands of digits.
    if not (pk.isascii() and pk.isdigit() and len(pk) <= 18):
        raise BadToken(token)
    if not constant_time_compare(make_token(salt=salt, pk=int(pk), prefix=prefix), token):
        raise BadToken(token)
    return int(pk)


def mailbox() -> tuple[str, str]:
    """(local part, domain) of the mailto address; the token goes after a "+"."""
    address = getattr(settings, "NEWSLETTER_UNSUBSCRIBE_MAILBOX", "")
    if not address:
        sender = getattr(settings, "NEWSLETTER_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL
        sender = sender.rsplit("<", 1)[-1].rstrip(">").strip()
        address = "unsubscribe@" + sender.rpartition("@")[2]
    local, _at, domain = address.partition("@")
    return local, domain


def headers(*, url: str, token: str) -> dict[str, str]:
    """The header pair that makes a mail program show its own "Unsubscribe" button."""
    local, domain = mailbox()
    return {
        "List-Unsubscribe": f"<{url}>, <mailto:{local}+{token}@{domain}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


def tokens_mailed(recipients: Iterable[str]) -> list[str]:
    """The tokens of messages written to the mailto address (the provider's inbound webhook hands
    over the recipients); addresses of other mailboxes are ignored (anyone may write to it)."""
    local, domain = mailbox()
    prefix = f"{local}+".lower()
    found = []
    for address in recipients:
        user, _at, host = address.strip().rpartition("@")
        if host.lower() == domain.lower() and user.lower().startswith(prefix):
            found.append(user[len(prefix) :])
    return found
