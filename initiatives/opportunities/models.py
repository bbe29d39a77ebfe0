"""Opportunities of others: funding calls, grants, tenders, training programmes and events, with the
countries, sectors and topics they are open to, and their opening and closing moments.

An opportunity is public once published; it is *open* from `opens_at` until `closes_at` (both aware
datetimes, stored in UTC). Leaving the open list needs no job: every list asks for `closes_at` in
the future.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.regions import COUNTRIES, RegionCountries
from iapt_platform.lib.taxonomy.models import AbstractTopic
from iapt_platform.lib.translated import LANGUAGE_CODES, SOURCE_LANGUAGE, localized

from . import currencies


class Topic(AbstractTopic):
    """What an opportunity is about (financing clusters, training directors, ...); the slugs are
    the library's, so that a member following a topic hears of both."""


class OpportunityQuerySet(models.QuerySet):
    def published(self) -> OpportunityQuerySet:
        return self.filter(status=Opportunity.Status.PUBLISHED)

    def current(self, *, now: dt.datetime | None = None) -> OpportunityQuerySet:
        """Published and not closed yet (open, or opening later)."""
        return self.published().filter(closes_at__gt=now or timezone.now())

    def open(self, *, now: dt.datetime | None = None) -> OpportunityQuerySet:
        """Published and taking applications now."""
        now = now or timezone.now()
        return self.published().filter(opens_at__lte=now, closes_at__gt=now)

    def closing_within(self, days: int, *, now: dt.datetime | None = None) -> OpportunityQuerySet:
        now = now or timezone.now()
        return self.open(now=now).filter(closes_at__lte=now + dt.timedelta(days=days))

    def upcoming(self, *, now: dt.datetime | None = None) -> OpportunityQuerySet:
        return self.published().filter(opens_at__gt=now or timezone.now())

    def closed(self, *, now: dt.datetime | None = None) -> OpportunityQuerySet:
        return self.published().filter(closes_at__lte=now or timezone.now())

    def for_country(self, code: str) -> OpportunityQuerySet:
        # Codes are two letters joined by commas, so a substring match is exact.
        return self.filter(Q(whole_region=True) | Q(countries__contains=code))


OpportunityManager = models.Manager.from_queryset(OpportunityQuerySet)


def document_path(instance: Any, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"opportunities/documents/{filename}"


class Opportunity(models.Model):
    class Kind(models.TextChoices):
        FUNDING_CALL = "funding_call", _("Funding call")
        GRANT = "grant", _("Grant")
        TENDER = "tender", _("Tender")
        TRAINING = "training", _("Training programme")
        EVENT = "event", _("Event")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")  # a moderator's draft, or a proposal sent back for changes
        PENDING = "pending", _("Waiting for review")
        PUBLISHED = "published", _("Published")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    slug = models.SlugField(unique=True, max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Translated (modeltranslation adds title_es, title_en, title_pt_br, ...). A member writes in
    # one language (`language`); moderators may write all three.
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), max_length=10_000, help_text=_("Markdown."))
    language = models.CharField(
        _("language it was written in"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=SOURCE_LANGUAGE,
    )
    organiser = models.CharField(
        _("organiser"), max_length=200, help_text=_("Who runs it: CAF, IDB Lab, CORFO, ...")
    )
    whole_region = models.BooleanField(
        _("open to all of Latin America and the Caribbean"), default=False
    )
    countries = CountryField(
        _("countries eligible"), countries=RegionCountries, multiple=True, blank=True
    )
    sectors: models.ManyToManyField = models.ManyToManyField(
        "initiatives.Sector", blank=True, related_name="opportunities", verbose_name=_("sectors")
    )
    topics: models.ManyToManyField = models.ManyToManyField(
        Topic, blank=True, related_name="opportunities", verbose_name=_("topics")
    )
    amount = models.DecimalField(
        _("amount"),
        max_digits=16,
        decimal_places=2,
        null=True,
        blank=True,
        help_text=_("The most one applicant may receive, when the call says."),
    )
    currency = models.CharField(_("currency"), max_length=3, choices=currencies.choices, blank=True)
    opens_at = models.DateTimeField(_("opens"), default=timezone.now)
    closes_at = models.DateTimeField(_("closes"))
    link = models.URLField(_("link to the call"), max_length=500)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",  # read through the queryset (selectors.opportunities_of)
        verbose_name=_("proposed by"),
    )
    review_comment = models.TextField(blank=True, editable=False)  # the last moderator's words
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Each news is told once: set when announced, never cleared (a re-publication is no news).
    announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    closing_announced_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The one search (site_search.py): words of every language, rewritten on every save.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    # modeltranslation swaps the manager classes at start-up, which the stubs cannot follow.
    objects = OpportunityManager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["closes_at", "id"]
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        indexes = [models.Index(fields=["status", "closes_at"], name="opportunity_status_closes")]
        constraints = [
            models.CheckConstraint(
                condition=Q(closes_at__gt=models.F("opens_at")),
                name="opportunity_closes_after_opening",
            ),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | ~Q(currency=""),
                name="opportunity_amount_has_currency",
            ),
        ]

    def __str__(self) -> str:
        return self.reading(_active_language())[0] or self.slug

    def get_absolute_url(self) -> str:
        return reverse("opportunities:detail", args=[self.slug])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.opens_at and self.closes_at and self.closes_at <= self.opens_at:
            errors["closes_at"] = _("The closing date must come after the opening date.")
        if self.amount is not None and not self.currency:
            errors["currency"] = _("Say in which currency the amount is.")
        if self.amount is not None and self.amount <= 0:
            errors["amount"] = _("The amount must be more than zero.")
        if not self.whole_region and not self.countries and self.status != self.Status.DRAFT:
            errors["countries"] = _(
                "Choose the countries eligible, or open it to the whole region."
            )
        if errors:
            raise ValidationError(errors)

    # --- State -------------------------------------------------------------------------------
    @property
    def is_public(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def phase(self, now: dt.datetime | None = None) -> str:
        """ "upcoming", "open" or "closed"."""
        now = now or timezone.now()
        if now < self.opens_at:
            return "upcoming"
        return "open" if now < self.closes_at else "closed"

    @property
    def is_open(self) -> bool:
        return self.is_public and self.phase() == "open"

    @property
    def is_closed(self) -> bool:
        return self.phase() == "closed"

    @property
    def days_left(self) -> int:
        return max(0, (self.closes_at - timezone.now()).days)

    def country_codes(self) -> list[str]:
        """Every country eligible (the whole region's list when it is open to all)."""
        if self.whole_region:
            return list(COUNTRIES)
        return [str(country.code) for country in self.countries]

    @property
    def amount_display(self) -> str:
        if self.amount is None:
            return ""
        return currencies.display(self.amount, self.currency)

    # --- Languages -----------------------------------------------------------------------------
    def available_languages(self) -> list[str]:
        return [code for code in LANGUAGE_CODES if localized(self, "title", code).strip()]

    def display_language(self, wanted: str) -> str:
        """The reader's language if written in it, else the language it was proposed in, else
        Spanish, else the first one written."""
        available = self.available_languages()
        for code in (wanted, self.language, SOURCE_LANGUAGE):
            if code in available:
                return code
        return available[0] if available else wanted

    def reading(self, wanted: str) -> tuple[str, str, str]:
        """(title, description, language) in the language shown to a reader of `wanted`."""
        language = self.display_language(wanted)
        return (
            localized(self, "title", language),
            localized(self, "description", language),
            language,
        )


def _active_language() -> str:
    from django.utils.translation import get_language

    return get_language() or SOURCE_LANGUAGE


class OpportunityDocument(models.Model):
    """A document of the call (terms of reference, forms), kept as the upload validator left it."""

    opportunity = models.ForeignKey(Opportunity, on_delete=models.CASCADE, related_name="documents")
    file = models.FileField(_("file"), upload_to=document_path)
    original_name = models.CharField(max_length=150)
    mimetype = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField(default=0)
    order = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("document")
        verbose_name_plural = _("documents")

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("opportunities:document", args=[self.opportunity.slug, self.pk])
