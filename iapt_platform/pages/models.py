"""Pages staff write in three languages (privacy notice, terms of use, accessibility statement,
about the community, contact), published as numbered versions.

Staff edit a page's draft (the `Page` row); publishing copies the draft into a new `PageVersion`,
which never changes afterwards. Readers see the newest version; each older one keeps its own
address. A `Consent` names the exact version a person accepted.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from iapt_platform.lib.translated import SOURCE_LANGUAGE, Text, in_language, localized


# modeltranslation swaps the manager classes at start-up, which the stubs cannot follow.
class Page(models.Model):  # type: ignore[django-manager-missing]
    """A page and its working draft (not public: readers see its versions)."""

    class Slug(models.TextChoices):
        PRIVACY = "privacy", _("Privacy notice")
        TERMS = "terms", _("Terms of use")
        ACCESSIBILITY = "accessibility", _("Accessibility statement")
        ABOUT = "about", _("About the community")
        CONTACT = "contact", _("Contact")

    slug = models.SlugField(_("page"), max_length=40, unique=True, choices=Slug.choices)
    order = models.PositiveSmallIntegerField(default=0)
    # Translated (modeltranslation adds title_es, title_en, title_pt_br, ...).
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # `history` (who saved which draft when) is added in translation.py, once modeltranslation
    # has added the fields of each language; the published versions are their own record.
    history: ClassVar[Any]

    class Meta:
        ordering = ["order", "slug"]
        verbose_name = _("page")
        verbose_name_plural = _("pages")

    def __str__(self) -> str:
        return self.get_slug_display()

    def get_absolute_url(self) -> str:
        return reverse("pages:page", args=[self.slug])


class PageVersion(models.Model):  # type: ignore[django-manager-missing]
    """One published text of a page, in three languages. Never edited after it is created."""

    page = models.ForeignKey(Page, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"), blank=True)
    change_note = models.CharField(_("what changed"), max_length=300, blank=True)
    published_at = models.DateTimeField(_("published"), default=timezone.now)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["page", "-number"]
        verbose_name = _("page version")
        verbose_name_plural = _("page versions")
        constraints = [
            models.UniqueConstraint(fields=["page", "number"], name="pages_one_number_per_page")
        ]

    def __str__(self) -> str:
        return f"{self.page} v{self.number}"

    def get_absolute_url(self) -> str:
        return reverse("pages:version", args=[self.page.slug, self.number])

    def reading(self, language: str) -> Reading:
        """The version in the reader's language, or the language that stands in for it."""
        body = in_language(self, "body", language)
        title = localized(self, "title", body.language) or localized(self, "title", SOURCE_LANGUAGE)
        return Reading(title=title, body=body)

    def change_note_in(self, language: str) -> Text:
        return in_language(self, "change_note", language)


class Reading:
    """A version's title and text in one language, and whether it stands in for the reader's."""

    def __init__(self, *, title: str, body: Text) -> None:
        self.title = title
        self.body = body.text
        self.language = body.language
        self.is_fallback = body.is_fallback


class Consent(models.Model):
    """A person accepted (or was shown, for a notice) this exact version of a page."""

    class Context(models.TextChoices):
        SIGNUP = "signup", _("Sign-up")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="page_consents"
    )
    version = models.ForeignKey(PageVersion, on_delete=models.PROTECT, related_name="consents")
    given_at = models.DateTimeField(_("given at"), default=timezone.now)
    context = models.CharField(_("given through"), max_length=20, choices=Context.choices)

    class Meta:
        ordering = ["-given_at", "-id"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.user_id} · {self.version}"

    def as_data(self) -> dict[str, Any]:
        return {
            "page": self.version.page.slug,
            "version": self.version.number,
            "given_at": self.given_at.isoformat(),
            "through": self.context,
        }
