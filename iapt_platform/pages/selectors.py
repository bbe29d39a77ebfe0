"""Reads of the pages: the version readers see, older versions, and the staff list."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import OuterRef, QuerySet, Subquery
from modeltranslation.utils import build_localized_fieldname

from iapt_platform.accounts.personal_data import Portion
from iapt_platform.lib.cache import CacheVersion
from iapt_platform.lib.translated import LANGUAGE_CODES

from .models import Consent, Page, PageVersion

# The legal and about pages and their versions.
PAGES_VERSION = CacheVersion("pages:version")
pages_changed = PAGES_VERSION.bump
pages_version = PAGES_VERSION.get

BODY_FIELDS = [build_localized_fieldname("body", code) for code in LANGUAGE_CODES]


def version_current(*, slug: str) -> PageVersion | None:
    """The newest published version of the page (one query)."""
    return (
        PageVersion.objects.select_related("page")
        .filter(page__slug=slug)
        .order_by("-number")
        .first()
    )


def version_get(*, slug: str, number: int) -> PageVersion | None:
    return PageVersion.objects.select_related("page").filter(page__slug=slug, number=number).first()


def versions_of(*, page: Page) -> QuerySet[PageVersion]:
    """Every version of the page, newest first, without their texts (for the list of versions)."""
    return page.versions.defer(*BODY_FIELDS).order_by("-number")


def versions_current(*, slugs: Iterable[str]) -> dict[str, PageVersion]:
    """The newest version of each page named, by slug (one query)."""
    newest = PageVersion.objects.filter(page=OuterRef("page")).order_by("-number").values("pk")[:1]
    rows = PageVersion.objects.select_related("page").filter(
        page__slug__in=list(slugs), pk=Subquery(newest)
    )
    return {version.page.slug: version for version in rows}


def pages_for_staff() -> QuerySet[Page]:
    """Every page with its newest version's number and date (one query)."""
    newest = PageVersion.objects.filter(page=OuterRef("pk")).order_by("-number")
    return Page.objects.select_related("updated_by").annotate(
        version_number=Subquery(newest.values("number")[:1]),
        version_published_at=Subquery(newest.values("published_at")[:1]),
    )


def personal_data_of(user) -> Portion:
    """The pages' part of a person's archive: which version of which page they accepted, when."""
    consents = Consent.objects.filter(user=user).select_related("version__page")
    return Portion(data=[consent.as_data() for consent in consents])
