"""The library's figures for the community dashboard: resources published, and downloads (the
daily aggregate `ResourceDailyStat`, counted once per visitor and day). The country filter is the
countries a resource is about."""

from iapt_platform.dashboard.registry import Window, count_by_bucket, sum_by_bucket

from .models import Resource, ResourceDailyStat


def added(window: Window) -> list[int]:
    published = Resource.objects.filter(
        status=Resource.Status.PUBLISHED, published_at__isnull=False
    )
    return count_by_bucket(published, window, date="published_at", country="country_rows__country")


def downloaded(window: Window) -> list[int]:
    return sum_by_bucket(
        ResourceDailyStat.objects.all(),
        window,
        day="date",
        value="downloads",
        country="resource__country_rows__country",
    )
