"""Bulletin subscribers gained (confirmed) and lost (unsubscribed), for the community dashboard.
The country filter is the subscriber's country, where they gave one."""

from iapt_platform.dashboard.registry import Window, count_by_bucket

from .models import Subscriber


def gained(window: Window) -> list[int]:
    return count_by_bucket(
        Subscriber.objects.filter(confirmed_at__isnull=False),
        window,
        date="confirmed_at",
        country="country",
    )


def lost(window: Window) -> list[int]:
    return count_by_bucket(
        Subscriber.objects.filter(unsubscribed_at__isnull=False),
        window,
        date="unsubscribed_at",
        country="country",
    )
