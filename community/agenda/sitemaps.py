"""Agenda rounds, public proposals and agenda items in sitemap.xml (registered in apps.py)."""

from django.db.models import QuerySet

from iapt_platform.lib.sitemaps import PublicSitemap

from .models import AgendaItem, Proposal, Round


class RoundSitemap(PublicSitemap):
    def queryset(self) -> QuerySet:
        return Round.objects.all()


class ProposalSitemap(PublicSitemap):
    fields = ("pk",)
    lastmod_field = "published_at"

    def queryset(self) -> QuerySet:
        return Proposal.objects.published()


class AgendaItemSitemap(PublicSitemap):
    fields = ("pk",)

    def queryset(self) -> QuerySet:
        return AgendaItem.objects.all()
