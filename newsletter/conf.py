"""The bulletin's settings, each with a default (settings.py may override any of them)."""

from urllib.parse import urlsplit

from django.conf import settings

from iapt_platform.lib import one_click


def rate_limit() -> float:
    """Messages per second across all workers; 0 means no limit."""
    return float(getattr(settings, "NEWSLETTER_RATE_LIMIT", 0))


def chunk_size() -> int:
    return int(getattr(settings, "NEWSLETTER_CHUNK_SIZE", 2000))


def stuck_minutes() -> int:
    """Rows claimed this long ago and still "sending" belong to a worker that died."""
    return int(getattr(settings, "NEWSLETTER_STUCK_MINUTES", 10))


def max_attempts() -> int:
    return int(getattr(settings, "NEWSLETTER_MAX_ATTEMPTS", 5))


def chunk_time_budget() -> float:
    """Seconds a chunk task sends before handing the rest to a new task (below the time limit)."""
    return float(getattr(settings, "NEWSLETTER_CHUNK_SECONDS", 240))


def subscribe_limits() -> tuple[int, int]:
    """(requests per IP address per hour, confirmation emails per address per day)."""
    return tuple(getattr(settings, "NEWSLETTER_SUBSCRIBE_LIMITS", (10, 3)))  # type: ignore[return-value]


def from_email() -> str:
    return getattr(settings, "NEWSLETTER_FROM_EMAIL", "") or settings.DEFAULT_FROM_EMAIL


def mail_host() -> str:
    """The host part of Message-IDs: the public site's."""
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def unsubscribe_mailbox() -> tuple[str, str]:
    """(local part, domain) of the mailto unsubscribe address; the token goes after a "+"."""
    return one_click.mailbox()


def import_max_bytes() -> int:
    """The largest subscriber list staff may upload (50,000 rows take about 3 MB)."""
    return int(getattr(settings, "NEWSLETTER_IMPORT_MAX_BYTES", 10_000_000))


def import_chunk_rows() -> int:
    """Rows an import writes per transaction (and per progress save)."""
    return int(getattr(settings, "NEWSLETTER_IMPORT_CHUNK_ROWS", 1000))


def import_time_budget() -> float:
    """Seconds an import task works before handing the rest to a new task (below the limit)."""
    return float(getattr(settings, "NEWSLETTER_IMPORT_TASK_SECONDS", 120))


def import_lease_seconds() -> int:
    """How long a worker holds an import without saving a chunk before another may take over."""
    return int(getattr(settings, "NEWSLETTER_IMPORT_LEASE_SECONDS", 300))
