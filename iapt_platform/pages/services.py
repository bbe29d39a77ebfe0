"""Writes of the pages: saving a draft, publishing it as a new version, recording a consent, and
seeding the pages a fresh installation starts with."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname

from iapt_platform.lib.translated import LANGUAGE_CODES, SOURCE_LANGUAGE, localized

from .models import Consent, Page, PageVersion

DRAFTS = Path(__file__).resolve().parent / "drafts"
TEXT_FIELDS = ("title", "body")


class PageError(Exception):
    """A publication that cannot be made; the message is for the moderator."""


def draft_differs(*, page: Page, version: PageVersion | None) -> bool:
    """True when the draft's text is not the text of `version` (the newest, usually)."""
    if version is None:
        return True
    return any(
        localized(page, field, code).strip() != localized(version, field, code).strip()
        for field in TEXT_FIELDS
        for code in LANGUAGE_CODES
    )


@transaction.atomic
def page_publish(*, page: Page, by: Any, change_note: Mapping[str, str]) -> PageVersion:
    """Publish the page's draft as its next version, with what changed in each language.

    The page row is locked, so that two moderators publishing at once get two numbers.
    """
    page = Page.objects.select_for_update().get(pk=page.pk)
    newest = page.versions.order_by("-number").first()
    if not draft_differs(page=page, version=newest):
        raise PageError(_("The draft is the same as the published version: nothing to publish."))
    if (
        not localized(page, "title", SOURCE_LANGUAGE).strip()
        or not localized(page, "body", SOURCE_LANGUAGE).strip()
    ):
        raise PageError(
            _("Write the Spanish title and text first: other languages fall back to it.")
        )
    if newest is not None and not (change_note.get(SOURCE_LANGUAGE) or "").strip():
        raise PageError(_("Say in Spanish what changed."))
    number = (page.versions.aggregate(n=Max("number"))["n"] or 0) + 1
    version = PageVersion(page=page, number=number, published_by=by, published_at=timezone.now())
    for code in LANGUAGE_CODES:
        for field in TEXT_FIELDS:
            name = build_localized_fieldname(field, code)
            setattr(version, name, getattr(page, name) or "")
        name = build_localized_fieldname("change_note", code)
        setattr(version, name, (change_note.get(code) or "").strip()[:300])
    version.save()
    return version


def page_save_draft(*, page: Page, by: Any) -> Page:
    """Save the draft the form filled in (simple-history records who saved what, and when)."""
    page.updated_by = by
    page.save()
    return page


def consent_record(
    *, user: Any, versions: Iterable[PageVersion], context: str = Consent.Context.SIGNUP
) -> list[Consent]:
    now = timezone.now()
    return Consent.objects.bulk_create(
        [Consent(user=user, version=v, given_at=now, context=context) for v in versions]
    )


# --- The pages a fresh installation starts with ----------------------------------------------------
# Titles here; texts in drafts/<slug>.<language>.md, so that they read (and diff) as documents.
SEED_TITLES: dict[str, dict[str, str]] = {
    Page.Slug.ABOUT: {
        "es": "Acerca de la comunidad",
        "en": "About the community",
        "pt-br": "Sobre a comunidade",
    },
    Page.Slug.CONTACT: {"es": "Contacto", "en": "Contact", "pt-br": "Contato"},
    Page.Slug.PRIVACY: {
        "es": "Aviso de privacidad",
        "en": "Privacy notice",
        "pt-br": "Aviso de privacidade",
    },
    Page.Slug.TERMS: {"es": "Condiciones de uso", "en": "Terms of use", "pt-br": "Termos de uso"},
    Page.Slug.ACCESSIBILITY: {
        "es": "Declaración de accesibilidad",
        "en": "Accessibility statement",
        "pt-br": "Declaração de acessibilidade",
    },
}
SEED_NOTE = {"es": "Primera versión.", "en": "First version.", "pt-br": "Primeira versão."}


def seed_text(slug: str, language: str) -> str:
    return (DRAFTS / f"{slug}.{language}.md").read_text(encoding="utf-8")


@transaction.atomic
def pages_seed() -> list[str]:
    """Create the pages that do not exist yet, each with its draft published as version 1.

    Idempotent: an existing page is left as staff made it. Run after every `migrate` (and after a
    test flush), so production has the pages without demo data. Returns the slugs created.
    """
    created = []
    existing = set(Page.objects.values_list("slug", flat=True))
    for order, slug in enumerate(SEED_TITLES):
        if slug in existing:
            continue
        page = Page(slug=slug, order=order)
        for code in LANGUAGE_CODES:
            setattr(page, build_localized_fieldname("title", code), SEED_TITLES[slug][code])
            setattr(page, build_localized_fieldname("body", code), seed_text(slug, code))
        page.save()
        page_publish(page=page, by=None, change_note=SEED_NOTE)
        created.append(str(slug))
    return created


def seed_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate receiver: seed the pages once their tables exist (not when migrating back)."""
    from django.db import connections

    tables = connections[using].introspection.table_names()
    if Page._meta.db_table in tables and PageVersion._meta.db_table in tables:
        pages_seed()
