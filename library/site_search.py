"""The library's resources in the one search (iapt_platform/lib/site_search.py), the words
inside their files included (extracted when a file is processed, services.resource_process_file)."""

from __future__ import annotations

from django.db.models.functions import Substr
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib import search, site_search
from iapt_platform.lib.site_search import Ask, Found, Hit, Listing

from . import selectors, services
from .models import Resource

EXCERPT_FROM = 20_000  # characters of a file's text in which a snippet is looked for


def _hit(resource: Resource, ask: Ask, inside: dict[int, str]) -> Hit:
    return Hit(
        kind="resources",
        title=resource.title,
        url=resource.get_absolute_url(),
        # Words found only inside the file: the snippet shows where.
        text=inside.get(resource.pk, resource.summary),
        date=resource.published_at,
        language=site_search.other_language(resource.title_language, ask.language),
        detail=str(resource.get_type_display()),
    )


def _inside_files(resources: list[Resource], ask: Ask) -> dict[int, str]:
    """For the resources whose title and summary lack a word of the query, the stretch of their
    file's text around it (one query, for those few only)."""
    lacking = [
        r.pk
        for r in resources
        if not all(
            any(
                word.startswith(term) for word in search.normalise(f"{r.title} {r.summary}").split()
            )
            for term in ask.terms
        )
    ]
    if not lacking:
        return {}
    # The first stretch of each text only: a PDF's text is kept up to 200,000 characters.
    texts = Resource.objects.filter(pk__in=lacking).values_list(
        "pk", Substr("extracted_text", 1, EXCERPT_FROM)
    )
    return {pk: stretch for pk, text in texts if (stretch := site_search.excerpt(text, ask.terms))}


def find(ask: Ask) -> Found | Listing:
    qs = selectors.resource_search(ask.query)
    if qs is None:
        return Found(0)
    inside: dict[int, str] = {}

    def load(ids: list[int]) -> list[Resource]:
        # What a hit shows, without the page's relations (topics, languages, evidence).
        rows = list(Resource.objects.filter(pk__in=ids).defer(*selectors.HEAVY_FIELDS))
        inside.update(_inside_files(rows, ask))
        return rows

    return site_search.found(
        qs,
        ask,
        order=site_search.ordered_by_rank(qs, "-published_at", "-pk"),
        broad_order=["-published_at", "-pk"],
        load=load,
        to_hit=lambda resource: _hit(resource, ask, inside),
        counted=selectors.resource_search_listing(ask.query),  # the narrow rows, as the library
    )


def rebuild() -> int:
    """Extract the text of PDFs that have none yet (files saved before extraction existed, or
    whose processing never ran), then rewrite every resource's search document."""
    unread = (
        Resource.objects.filter(file_kind="pdf", extracted_text="", processing_error="")
        .exclude(file="")
        .values_list("pk", flat=True)
    )
    for pk in list(unread):
        services.resource_process_file(resource_id=pk)
    count = site_search.each_refreshed(
        Resource.objects.prefetch_related("topics").iterator(chunk_size=200),
        lambda resource: services.resource_refresh_search(resource=resource),
    )
    selectors.library_changed()
    return count


def register_kinds() -> None:
    site_search.register(
        "resources",
        label=_("Library"),
        find=find,
        list_url=lambda query: f"{reverse('library:index')}?{urlencode({'q': query})}",
        order=30,
        version=selectors.library_version,
        rebuild=rebuild,
    )
