"""Published opportunities in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py).
Closed ones stay: their page says so, and links to them keep working."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Opportunity


class OpportunitySitemap(PublicSitemap):
    def queryset(self) -> QuerySet:
        return Opportunity.objects.published()
