"""Published meetings in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py)."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Meeting


class MeetingSitemap(PublicSitemap):
    def queryset(self) -> QuerySet:
        return Meeting.objects.published()
