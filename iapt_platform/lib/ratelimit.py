"""Flood brakes for public forms: a counter per key in the shared cache, and the client's address.

Used by the bulletin's subscription form and the visitors' meeting registration, each with a
limit per IP address (filling a table) and per email address (flooding someone's inbox). While
the cache is away the counters fail open (see iapt_platform/lib/cache.py): they brake floods,
they do not guard secrets.
"""

from __future__ import annotations

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest

from .cache import count


def client_ip(request: HttpRequest) -> str | None:
    """The visitor's address; behind NUM_PROXIES trusted proxies, read from X-Forwarded-For."""
    proxies = settings.REST_FRAMEWORK.get("NUM_PROXIES", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [part.strip() for part in forwarded.split(",")]
        return hops[-min(proxies, len(hops))] or None
    return request.META.get("REMOTE_ADDR") or None


def within_limit(key: str, *, limit: int, seconds: int) -> bool:
    """Count one more request for `key`; False once there were more than `limit` in the window
    (which starts with the first request and lasts `seconds`)."""
    try:
        value = count(key, seconds)
    except ValueError:  # expired between add and incr (not Redis), or the cache is away
        cache.set(key, 1, timeout=seconds)
        value = 1
    return value <= limit


def confirmation_request_allowed(
    scope: str, *, ip: str | None, email: str, limits: tuple[int, int]
) -> bool:
    """A public form that emails a confirmation link (the bulletin, a meeting): False once an IP
    address asked more than `limits[0]` times in an hour (a script filling the table) or an email
    address more than `limits[1]` times in a day (someone's inbox flooded through the form)."""
    per_ip, per_address = limits
    if ip and not within_limit(f"{scope}:ip:{ip}", limit=per_ip, seconds=3600):
        return False
    address = (email or "").strip().lower()
    return within_limit(f"{scope}:email:{address}", limit=per_address, seconds=86400)
