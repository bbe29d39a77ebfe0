"""sitemap.xml: each app registers what a visitor may find, in every language.

Apps register a section in their AppConfig.ready(), so the platform imports none of them:

    sitemaps.register("initiatives", InitiativeSitemap)

A section is a `PublicSitemap`: a queryset of what a visitor can see (published, no drafts), the
fields its address and date need (`only`), the date field, and the cache version that changes
with its content. Each entry lists the page in every language with its alternates and x-default
(the unprefixed address), as the page's own `hreflang` links do (lib/languages.py). Addresses are
absolute from SITE_URL. A section is paged so that no file passes `limit` addresses (the sitemap
protocol allows 50,000): 100,000 initiatives in three languages are 300,000 addresses, in
`sitemap-initiatives.xml?p=1` … `?p=N`, all named by the index, `/sitemap.xml`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.sitemaps import Sitemap
from django.core.paginator import Paginator
from django.db.models import Max, Model, QuerySet
from django.utils import translation

from . import languages


class _ItemsInLanguages:
    """(item, language) pairs of a queryset, each item in every language, sliced page by page:
    a page loads its own rows only, and the count is one COUNT query."""

    def __init__(self, queryset: QuerySet, codes: list[str]) -> None:
        self.queryset = queryset
        self.codes = codes
        self.ordered = True  # the queryset is ordered by the sitemap

    def count(self) -> int:
        return self.queryset.count() * len(self.codes)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: slice) -> list[tuple[Model, str]]:
        n = len(self.codes)
        start, stop = index.start or 0, index.stop
        first, last = start // n, (stop + n - 1) // n
        pairs = [(item, code) for item in self.queryset[first:last] for code in self.codes]
        offset = first * n
        return pairs[start - offset : stop - offset]


class PublicSitemap(Sitemap):
    """A queryset of public pages in every language (override `queryset`, set `fields`)."""

    i18n = True
    alternates = True
    x_default = False  # added by get_urls: Django's guess strips the first "/es/" of the address
    limit = 5_000  # addresses per file: 5,000 addresses with their alternates are about 3 MB
    fields: tuple[str, ...] = ("pk", "slug")  # what the address and the date need
    lastmod_field: str | None = "updated_at"
    # Languages of each item vary (bulletin issues): the pairs are listed in memory then.
    languages_vary = False

    def queryset(self) -> QuerySet:
        raise NotImplementedError

    def items(self) -> QuerySet:
        fields = (*self.fields, self.lastmod_field) if self.lastmod_field else self.fields
        return self.queryset().only(*fields).order_by("pk")

    def location(self, item: Model) -> str:
        # One reverse per item (its three entries share the object): the address in another
        # language is the Spanish one under that language's prefix.
        path = getattr(item, "_sitemap_path", None)
        if path is None:
            with translation.override(languages.DEFAULT):
                path = item.get_absolute_url()  # type: ignore[attr-defined]
            item._sitemap_path = path  # type: ignore[attr-defined]
        return languages.with_prefix(path, translation.get_language())

    def lastmod(self, item: Model) -> Any:
        return getattr(item, self.lastmod_field) if self.lastmod_field else None

    def get_latest_lastmod(self) -> Any:
        if not self.lastmod_field:
            return None
        return self.queryset().aggregate(latest=Max(self.lastmod_field))["latest"]

    @property
    def paginator(self) -> Paginator:
        if self.languages_vary:
            pairs = [(i, code) for i in self.items() for code in self.get_languages_for_item(i)]
            return Paginator(pairs, self.limit)
        lazy = _ItemsInLanguages(self.items(), list(languages.CODES))
        return Paginator(cast(Sequence, lazy), self.limit)

    # Absolute addresses from SITE_URL, whatever host the request came by.
    def get_protocol(self, protocol: str | None = None) -> str:
        return urlsplit(settings.SITE_URL).scheme or "https"

    def get_domain(self, site: Any = None) -> str:
        return urlsplit(settings.SITE_URL).netloc

    def get_urls(self, page: int | str = 1, site: Any = None, protocol: Any = None) -> list[dict]:
        urls = super().get_urls(page=page, site=site, protocol=protocol)
        for url in urls:
            by_language = {alt["lang_code"]: alt["location"] for alt in url["alternates"]}
            url["alternates"] = [
                {"lang_code": languages.hreflang(code), "location": location}
                for code, location in by_language.items()
            ]
            if languages.DEFAULT in by_language:
                url["alternates"].append(
                    {"lang_code": "x-default", "location": by_language[languages.DEFAULT]}
                )
        return urls


@dataclass(frozen=True)
class Section:
    name: str
    sitemap: type[PublicSitemap]
    # The content's cache version (a CacheVersion's `get`); without one, a section is cached for
    # `timeout` seconds only (what becomes public on a date, with no write, needs that anyway).
    version: Callable[[], object] | None
    timeout: int


_sections: dict[str, Section] = {}


def register(
    name: str,
    sitemap: type[PublicSitemap],
    *,
    version: Callable[[], object] | None = None,
    timeout: int | None = None,
) -> None:
    default = 6 * 3600 if version else 600
    _sections[name] = Section(name, sitemap, version, timeout or default)


def unregister(name: str) -> None:
    _sections.pop(name, None)


def sections() -> Iterator[Section]:
    yield from sorted(_sections.values(), key=lambda section: section.name)


def section(name: str) -> Section | None:
    return _sections.get(name)


def version_of(section: Section) -> str:
    return str(section.version()) if section.version else "-"
