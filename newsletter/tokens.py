"""Signed links of the bulletin.

- Confirmation and preference links are `django.core.signing` tokens with a maximum age: a
  tampered one fails its signature, an old one expires (and the page offers a fresh one).
- The unsubscribe token must work for as long as an old bulletin sits in an inbox and must fit in
  the local part of a mailto address (`unsubscribe+<token>@...`, at most 64 characters, and some
  servers fold case), so it is `<subscriber id>-<HMAC in lower-case hex>`: stable, never expiring,
  and checked in constant time (`iapt_platform.lib.one_click`, shared with the forum's emails).
"""

from __future__ import annotations

from django.core import signing
from django.utils.crypto import salted_hmac

from iapt_platform.lib import one_click

CONFIRM_SALT = "newsletter.confirm"
PREFERENCES_SALT = "newsletter.preferences"
UNSUBSCRIBE_SALT = "newsletter.unsubscribe"
CONFIRM_MAX_AGE = 7 * 24 * 3600  # a week to click the confirmation link
PREFERENCES_MAX_AGE = 180 * 24 * 3600  # links in bulletins keep working for half a year


class BadToken(ValueError):
    """A link that was altered, or that expired (`expired` tells which)."""

    def __init__(self, *, expired: bool) -> None:
        super().__init__("expired" if expired else "bad signature")
        self.expired = expired


def confirm_token(*, subscriber_id: int, email: str) -> str:
    # The address is part of the token: a link sent before an address change confirms nothing.
    return signing.dumps({"s": subscriber_id, "e": email}, salt=CONFIRM_SALT, compress=True)


def read_confirm_token(token: str) -> tuple[int, str]:
    data = _loads(token, salt=CONFIRM_SALT, max_age=CONFIRM_MAX_AGE)
    try:
        return int(data["s"]), str(data["e"])
    except (KeyError, TypeError, ValueError):
        raise BadToken(expired=False) from None


def preferences_token(*, subscriber_id: int) -> str:
    return signing.dumps({"s": subscriber_id}, salt=PREFERENCES_SALT)


def read_preferences_token(token: str) -> int:
    data = _loads(token, salt=PREFERENCES_SALT, max_age=PREFERENCES_MAX_AGE)
    try:
        return int(data["s"])
    except (KeyError, TypeError, ValueError):
        raise BadToken(expired=False) from None


def unsubscribe_token(subscriber_id: int) -> str:
    return one_click.make_token(salt=UNSUBSCRIBE_SALT, pk=subscriber_id)


def read_unsubscribe_token(token: str) -> int:
    try:
        return one_click.read_token(token, salt=UNSUBSCRIBE_SALT)
    except one_click.BadToken:
        raise BadToken(expired=False) from None


class LinkTokens:
    """The unsubscribe and preferences tokens of many subscribers: the same strings as
    `unsubscribe_token` and `preferences_token`, made with keys derived once (a send makes a pair
    for every message, and deriving the keys was most of their cost). The preferences tokens
    carry the time this object was made, so make one per batch, not one per process."""

    def __init__(self) -> None:
        # salted_hmac with an empty message is the keyed HMAC itself; each token updates a copy.
        self._unsubscribe = salted_hmac(UNSUBSCRIBE_SALT, "", algorithm="sha256")
        signer = signing.TimestampSigner(salt=PREFERENCES_SALT)
        self._preferences = salted_hmac(
            PREFERENCES_SALT + "signer", "", signer.key, algorithm=signer.algorithm
        )
        self._separator = signer.sep
        self._timestamp = signer.timestamp()

    def unsubscribe(self, subscriber_id: int) -> str:
        mac = self._unsubscribe.copy()
        mac.update(str(subscriber_id).encode())
        return f"{subscriber_id}-{mac.hexdigest()[:32]}"

    def preferences(self, subscriber_id: int) -> str:
        # What signing.dumps({"s": id}, salt=...) makes: base64(JSON):timestamp:signature.
        data = b'{"s":%d}' % subscriber_id  # json.dumps of that dict, compact
        value = f"{signing.b64_encode(data).decode()}{self._separator}{self._timestamp}"
        mac = self._preferences.copy()
        mac.update(value.encode())
        return f"{value}{self._separator}{signing.b64_encode(mac.digest()).decode()}"


def _loads(token: str, *, salt: str, max_age: int) -> dict:
    try:
        data = signing.loads(token, salt=salt, max_age=max_age)
    except signing.SignatureExpired:
        raise BadToken(expired=True) from None
    except signing.BadSignature:
        raise BadToken(expired=False) from None
    if not isinstance(data, dict):
        raise BadToken(expired=False)
    return data
