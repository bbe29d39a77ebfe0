"""Published resources in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py)."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Resource


class ResourceSitemap(PublicSitemap):
    def queryset(self) -> QuerySet:
        return Resource.objects.published()
