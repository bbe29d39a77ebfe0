"""Django's CSRF secrets and token masks drawn with one call to the system's random source.

Django draws each of the 32 characters of a CSRF secret, and of the mask of each token it puts in
a form, with its own `secrets.choice`: one read of os.urandom per character, about 70
microseconds a string here, so 170 for the token of a new visitor (a secret and a mask) and 100
for anyone else's: a third of what answering a kept page costs, and paid by every page with a
form (the language switcher is on all of them). The same draw is one integer below 62**32
(`secrets.randbelow`, the same source) written in base 62: each character uniform and
independent of the others, as before. `install()` (PlatformConfig.ready) puts these in place of
django.middleware.csrf's two helpers, which get_token and the middleware call; a Django without
them stops the start rather than run slow unseen.
"""

import secrets

from django.middleware import csrf

_CHARS = csrf.CSRF_ALLOWED_CHARS
_BASE = len(_CHARS)
_INDEX = {char: i for i, char in enumerate(_CHARS)}


def new_csrf_string(length: int = csrf.CSRF_SECRET_LENGTH) -> str:
    """`length` characters of CSRF_ALLOWED_CHARS, each uniform and independent."""
    number = secrets.randbelow(_BASE**length)
    out = []
    for _ in range(length):
        number, digit = divmod(number, _BASE)
        out.append(_CHARS[digit])
    return "".join(out)


def mask_cipher_secret(secret: str) -> str:
    """Django's token for `secret`: a new mask, then the secret added to it character by
    character (django.middleware.csrf._mask_cipher_secret, which _unmask_cipher_token undoes)."""
    mask = new_csrf_string()
    cipher = "".join(
        _CHARS[(_INDEX[x] + _INDEX[y]) % _BASE] for x, y in zip(secret, mask, strict=True)
    )
    return mask + cipher


def install() -> None:
    for name in ("_get_new_csrf_string", "_mask_cipher_secret", "_unmask_cipher_token"):
        if not callable(getattr(csrf, name, None)):
            raise RuntimeError(f"django.middleware.csrf.{name} is gone: see lib/csrf_tokens.py")
    csrf._get_new_csrf_string = new_csrf_string  # type: ignore[attr-defined]
    csrf._mask_cipher_secret = mask_cipher_secret  # type: ignore[attr-defined]
