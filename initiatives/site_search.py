"""The registry's initiatives in the one search (iapt_platform/lib/site_search.py)."""

from __future__ import annotations

from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing

from . import selectors, services
from .models import Initiative


def _hit(initiative: Initiative, ask: Ask) -> Hit:
    sectors = ", ".join(sector.name for sector in initiative.sectors.all()[:3])
    detail = " · ".join(part for part in (str(initiative.country.name), sectors) if part)
    return Hit(
        kind="initiatives",
        title=initiative.name,
        url=initiative.get_absolute_url(),
        text=initiative.description,
        date=initiative.published_at,
        # People write an initiative in their own language, which it keeps.
        language=site_search.other_language(initiative.description_language, ask.language),
        detail=detail,
    )


def find(ask: Ask) -> Found | Listing:
    qs = selectors.initiative_search(ask.query)
    if qs is None:
        return Found(0)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "name", "pk"),
        broad_order=[Lower("name"), "pk"],  # the published initiatives' name index
        load=selectors.initiative_hits,
        to_hit=lambda initiative: _hit(initiative, ask),
        # Counted on the search listing (the published initiatives' narrow rows), as the
        # directory counts them.
        counted=selectors.initiative_search_listing(ask.query),
    )


def rebuild() -> int:
    rows = Initiative.objects.select_related("programme").prefetch_related("sectors")
    count = site_search.each_refreshed(
        rows.iterator(chunk_size=500),
        lambda initiative: services.initiative_refresh_search(initiative=initiative),
    )
    # `manage.py search_rebuild` also puts right the listing and the counts read by the statistics,
    # map, country and sector pages (after a bulk load that bypassed the signals).
    services.search_listings_rebuild()
    selectors.registry_changed()
    return count


def register_kinds() -> None:
    site_search.register(
        "initiatives",
        label=_("Initiatives"),
        find=find,
        list_url=lambda query: f"{reverse('initiatives:list')}?{urlencode({'q': query})}",
        order=10,
        version=selectors.registry_version,
        rebuild=rebuild,
    )
