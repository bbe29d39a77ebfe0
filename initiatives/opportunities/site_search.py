"""Opportunities in the one search (iapt_platform/lib/site_search.py): only those a visitor may
see in the list (published and not closed yet), found by their words in any language, shown in
the reader's (else the language they were written in)."""

from __future__ import annotations

from typing import Any

from django.db.models.signals import m2m_changed, post_save
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing
from iapt_platform.lib.translated import LANGUAGE_CODES
from initiatives.selectors import registry_version

from . import selectors
from .models import Opportunity


def _kind_names(opportunity: Opportunity) -> str:
    # "Beca", "Grant", "Bolsa": the kind is a word people search for, in any language.
    names = []
    for language in LANGUAGE_CODES:
        with translation.override(language):
            names.append(str(opportunity.get_kind_display()))
    return " ".join(names)


def opportunity_refresh_search(*, opportunity: Opportunity) -> None:
    """Its words by weight: A the title, B the organiser, kind, topics, sectors and countries,
    C the description (every language it is written in)."""
    labels = [site_search.translations(t, "name") for t in opportunity.topics.all()]
    labels += [site_search.translations(s, "name") for s in opportunity.sectors.all()]
    parts = {
        "A": search.normalise(site_search.translations(opportunity, "title")),
        "B": search.normalise(
            " ".join(
                [
                    opportunity.organiser,
                    _kind_names(opportunity),
                    *labels,
                    site_search.country_names(opportunity.countries),
                ]
            )
        ),
        "C": search.normalise(
            site_search.plain(site_search.translations(opportunity, "description"))
        ),
    }
    Opportunity.objects.filter(pk=opportunity.pk).update(**search.document_updates(parts))


def _hit(opportunity: Opportunity, ask: Ask) -> Hit:
    title, description, language = opportunity.reading(ask.language)
    return Hit(
        kind="opportunities",
        title=title,
        url=opportunity.get_absolute_url(),
        text=site_search.plain(description),
        date=opportunity.closes_at,
        language=site_search.other_language(language, ask.language),
        detail=opportunity.organiser,
    )


def find(ask: Ask) -> Found | Listing:
    # What a visitor may see in the list: published and not closed (open, or opening later).
    qs = site_search.matching(Opportunity.objects.current(), ask)
    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "closes_at", "pk"),
        broad_order=["closes_at", "pk"],
        load=lambda ids: Opportunity.objects.filter(pk__in=ids).defer(
            "search_document", "search_vector"
        ),
        to_hit=lambda opportunity: _hit(opportunity, ask),
    )


def _saved(sender: Any, instance: Opportunity, raw: bool = False, **kwargs: Any) -> None:
    if not raw:
        opportunity_refresh_search(opportunity=instance)


def _labels_changed(sender: Any, instance: Any, action: str, **kwargs: Any) -> None:
    if action in ("post_add", "post_remove", "post_clear") and isinstance(instance, Opportunity):
        opportunity_refresh_search(opportunity=instance)


def register_kinds() -> None:
    site_search.register(
        "opportunities",
        label=_("Opportunities"),
        find=find,
        list_url=lambda query: reverse("opportunities:list"),
        order=25,
        # Those of its pages (an offer that closes leaves within the minute).
        version=site_search.versions(selectors.opportunities_version, registry_version),
        rebuild=lambda: site_search.each_refreshed(
            Opportunity.objects.all(),
            lambda opportunity: opportunity_refresh_search(opportunity=opportunity),
        ),
    )
    # The search document is derived from the opportunity like a cache: rewritten on every save.
    post_save.connect(_saved, sender=Opportunity, dispatch_uid="opportunities-search")
    for through in (Opportunity.topics.through, Opportunity.sectors.through):
        m2m_changed.connect(
            _labels_changed, sender=through, dispatch_uid=f"opportunities-search-{through}"
        )
