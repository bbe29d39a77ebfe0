"""Published stories in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py)."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Story


class StorySitemap(PublicSitemap):
    """Stories whose date has come; each reads in every language ("available in" fallback)."""

    def queryset(self) -> QuerySet:
        return Story.objects.public()
