"""The registry in sitemap.xml (registered in apps.py; iapt_platform/lib/sitemaps.py)."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import Initiative, Programme


class InitiativeSitemap(PublicSitemap):
    def queryset(self) -> QuerySet:
        return Initiative.objects.published()


class ProgrammeSitemap(PublicSitemap):
    """Every programme has a public page (with its published initiatives)."""

    lastmod_field = None  # a programme keeps no date of change

    def queryset(self) -> QuerySet:
        return Programme.objects.all()
