"""The resource library: resources, their topics, impact-evaluation evidence, collections and
daily download counts."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, URLValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.storage import private_storage
from iapt_platform.lib.taxonomy.models import AbstractTopic

# The languages a resource is written in (not the interface languages): content of the region.
LANGUAGES = [
    ("es", _("Spanish")),
    ("en", _("English")),
    ("pt", _("Portuguese")),
    ("fr", _("French")),
    ("nl", _("Dutch")),
    ("ht", _("Haitian Creole")),
    ("qu", _("Quechua")),
    ("gn", _("Guarani")),
    ("other", _("Another language")),
]

LICENCES = [
    ("cc-by-4.0", "CC BY 4.0"),
    ("cc-by-sa-4.0", "CC BY-SA 4.0"),
    ("cc-by-nc-4.0", "CC BY-NC 4.0"),
    ("cc-by-nc-sa-4.0", "CC BY-NC-SA 4.0"),
    ("cc-by-nd-4.0", "CC BY-ND 4.0"),
    ("cc-by-nc-nd-4.0", "CC BY-NC-ND 4.0"),
    ("cc0", _("Public domain (CC0)")),
    ("copyright", _("All rights reserved (shared with permission)")),
    ("other", _("Other licence (see the summary)")),
]

http_url_validator = URLValidator(
    schemes=["http", "https"],
    message=_("Give a web address that starts with http:// or https://."),
)


class Topic(AbstractTopic):
    """A topic of the library."""


class ResourceQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Resource.Status.PUBLISHED)


def file_path(instance: Any, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"library/files/{filename}"


def cover_path(instance: Any, filename: str) -> str:
    return f"library/covers/{filename}"


def thumbnail_path(instance: Any, filename: str) -> str:
    return f"library/thumbnails/{filename}"


def picture_path(instance: Any, filename: str) -> str:
    return f"library/pictures/{filename}"


# modeltranslation gives CollectionItem a manager the stubs cannot see, hence the ignores on the
# two models it points at.
class Resource(models.Model):  # type: ignore[django-manager-missing]
    class Type(models.TextChoices):
        METHODOLOGY = "methodology", _("Methodology")
        GUIDE = "guide", _("Guide or toolkit")
        REPORT = "report", _("Report")
        CASE_STUDY = "case_study", _("Case study")
        IMPACT_EVALUATION = "impact_evaluation", _("Impact evaluation")
        TRAINING = "training", _("Training material")
        COURSE = "course", _("Course")
        VIDEO = "video", _("Video")
        DATASET = "dataset", _("Dataset")
        POLICY = "policy", _("Policy document")
        TEMPLATE = "template", _("Template")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    class LinkStatus(models.TextChoices):
        UNCHECKED = "unchecked", _("Not checked yet")
        OK = "ok", _("Working")
        BROKEN = "broken", _("Broken")

    slug = models.SlugField(unique=True, max_length=160)
    title = models.CharField(_("title"), max_length=300)
    title_language = models.CharField(
        _("language of the title"), max_length=8, choices=LANGUAGES, default="es"
    )
    summary = models.TextField(_("summary"), max_length=5000)
    summary_language = models.CharField(
        _("language of the summary"), max_length=8, choices=LANGUAGES, default="es"
    )
    type = models.CharField(_("type"), max_length=20, choices=Type.choices)
    topics = models.ManyToManyField(
        Topic, related_name="resources", verbose_name=_("topics"), blank=True
    )
    year = models.PositiveSmallIntegerField(
        _("year"), null=True, blank=True, validators=[MinValueValidator(1900)]
    )
    # Ordered names: "Family, Given" for a person, a name without a comma for an organisation.
    authors = models.JSONField(_("authors"), default=list, blank=True)
    publisher = models.CharField(_("publisher or organisation"), max_length=200, blank=True)
    licence = models.CharField(_("licence"), max_length=20, choices=LICENCES, blank=True)
    # Only files that went through iapt_platform.lib.uploads (checked by content, renamed) are
    # stored, in the private storage: library.views.download serves them after checking access.
    file = models.FileField(
        _("file"), upload_to=file_path, storage=private_storage, blank=True, max_length=200
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    file_mimetype = models.CharField(max_length=100, blank=True)
    file_kind = models.CharField(max_length=10, blank=True)
    file_size = models.PositiveBigIntegerField(null=True, blank=True)
    external_url = models.URLField(
        _("external link"), max_length=500, blank=True, validators=[http_url_validator]
    )
    cover = models.ImageField(_("cover image"), upload_to=cover_path, blank=True, max_length=200)
    # The first page of a file under review is as private as the file.
    thumbnail = models.ImageField(
        upload_to=thumbnail_path, storage=private_storage, blank=True, max_length=200
    )
    # The public pictures of a published resource (its cover, else its first page), written as
    # files in the public storage when it is published (services.resource_write_pictures), so that
    # a list of covers costs no request to Django: 320 px wide for its page, 128 px for lists.
    picture = models.ImageField(upload_to=picture_path, blank=True, max_length=200, editable=False)
    picture_small = models.ImageField(
        upload_to=picture_path, blank=True, max_length=200, editable=False
    )
    extracted_text = models.TextField(blank=True, editable=False)
    processed_at = models.DateTimeField(null=True, blank=True, editable=False)
    processing_error = models.CharField(max_length=300, blank=True, editable=False)
    initiatives: models.ManyToManyField = models.ManyToManyField(
        "initiatives.Initiative",
        blank=True,
        related_name="library_resources",
        verbose_name=_("related initiatives"),
    )
    projects: models.ManyToManyField = models.ManyToManyField(
        "matchmaking.Project",
        blank=True,
        related_name="resources",
        verbose_name=_("joint projects"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    contributed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_resources",
        verbose_name=_("contributed by"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    # The sum of the daily aggregates, kept here so that "most downloaded" sorts on an index.
    download_count = models.PositiveIntegerField(default=0, editable=False)
    link_status = models.CharField(
        max_length=10, choices=LinkStatus.choices, default=LinkStatus.UNCHECKED, editable=False
    )
    link_checked_at = models.DateTimeField(null=True, blank=True, editable=False)
    link_error = models.CharField(max_length=300, blank=True, editable=False)
    # Search: a normalised (lower case, no accents) document, and on PostgreSQL its vector.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)
    # The metadata alone (no file text): small enough to rank tens of thousands of matches fast.
    rank_vector = SearchVectorField(null=True, editable=False)

    objects = ResourceQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "pk"]
        verbose_name = _("resource")
        verbose_name_plural = _("resources")
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["status", "-download_count"]),
            models.Index(fields=["status", "type"]),
            models.Index(fields=["status", "year"]),
            models.Index(fields=["status", "link_status"]),
            # The GIN index on search_vector exists on PostgreSQL only (migration 0002).
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def has_private_picture(self) -> bool:
        """A cover or first page that only the contributor and staff may see (not yet public)."""
        return not self.is_published and bool(self.cover or self.thumbnail)

    @property
    def languages(self) -> list[str]:
        """Language codes, from the prefetched rows."""
        return [row.language for row in self.language_rows.all()]

    @property
    def countries(self) -> list[Any]:
        return [row.country for row in self.country_rows.all()]

    def language_labels(self) -> list[str]:
        names = dict(LANGUAGES)
        return [str(names.get(code, code)) for code in self.languages]

    def author_display(self) -> str:
        return "; ".join(self.authors or [])

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.year and self.year > timezone.now().year + 1:
            errors["year"] = _("The year cannot be in the future.")
        if not isinstance(self.authors, list) or not all(isinstance(a, str) for a in self.authors):
            errors["authors"] = _("Authors must be a list of names.")
        if errors:
            raise ValidationError(errors)


class ResourceLanguage(models.Model):
    """A language a resource is available in (one row each, so facets count with GROUP BY)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="language_rows")
    language = models.CharField(max_length=8, choices=LANGUAGES)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "language"], name="one_row_per_language")
        ]
        indexes = [models.Index(fields=["language", "resource"])]

    def __str__(self) -> str:
        return self.language


class ResourceCountry(models.Model):
    """A country a resource covers (for an impact evaluation: the countries studied)."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="country_rows")
    country = CountryField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "country"], name="one_row_per_country")
        ]
        indexes = [models.Index(fields=["country", "resource"])]

    def __str__(self) -> str:
        return str(self.country)


class Evidence(models.Model):
    """The structured evidence of an impact evaluation; its countries are the resource's."""

    class Method(models.TextChoices):
        RCT = "rct", _("Randomised trial")
        DID = "did", _("Difference in differences")
        MATCHING = "matching", _("Matching")
        RDD = "rdd", _("Regression discontinuity")
        CASE_STUDY = "case_study", _("Case study")
        OTHER = "other", _("Other method")

    class Outcome(models.TextChoices):
        PRODUCTIVITY = "productivity", _("Productivity")
        EXPORTS = "exports", _("Exports")
        EMPLOYMENT = "employment", _("Employment")
        INNOVATION = "innovation", _("Innovation")
        WAGES = "wages", _("Wages")
        FIRM_SURVIVAL = "firm_survival", _("Firm survival")
        SALES = "sales", _("Sales")
        COOPERATION = "cooperation", _("Cooperation between firms")
        FINANCE = "finance", _("Access to finance")

    class Direction(models.TextChoices):
        POSITIVE = "positive", _("Positive effect")
        MIXED = "mixed", _("Mixed effects")
        NONE = "none", _("No significant effect")
        NEGATIVE = "negative", _("Negative effect")

    resource = models.OneToOneField(Resource, on_delete=models.CASCADE, related_name="evidence")
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    direction = models.CharField(
        _("direction of the effect"), max_length=10, choices=Direction.choices
    )
    sector = models.ForeignKey(
        "initiatives.Sector",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="library_evidence",
        verbose_name=_("sector"),
    )
    period_start = models.PositiveSmallIntegerField(
        _("period studied, from"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )
    period_end = models.PositiveSmallIntegerField(
        _("period studied, to"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1900), MaxValueValidator(2100)],
    )

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        indexes = [models.Index(fields=["method"])]

    def __str__(self) -> str:
        return f"{self.get_method_display()}: {self.resource}"

    @property
    def outcomes(self) -> list[str]:
        return [row.outcome for row in self.outcome_rows.all()]

    def outcome_labels(self) -> list[str]:
        names = dict(self.Outcome.choices)
        return [str(names.get(code, code)) for code in self.outcomes]

    def clean(self) -> None:
        if self.period_start and self.period_end and self.period_start > self.period_end:
            raise ValidationError({"period_end": _("The period ends before it starts.")})


class EvidenceOutcome(models.Model):
    evidence = models.ForeignKey(Evidence, on_delete=models.CASCADE, related_name="outcome_rows")
    outcome = models.CharField(max_length=20, choices=Evidence.Outcome.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["evidence", "outcome"], name="one_row_per_outcome")
        ]
        indexes = [models.Index(fields=["outcome", "evidence"])]

    def __str__(self) -> str:
        return self.outcome


class ResourceDailyStat(models.Model):
    """Downloads and page views of one resource on one day (UTC): aggregates, never people."""

    resource = models.ForeignKey(Resource, on_delete=models.CASCADE, related_name="daily_stats")
    date = models.DateField()
    downloads = models.PositiveIntegerField(default=0)
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["resource", "date"], name="one_stat_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.resource_id} {self.date}"


class Collection(models.Model):  # type: ignore[django-manager-missing]
    """A list of resources curated by staff; title and description in three languages."""

    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_published = models.BooleanField(_("published"), default=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    resources: models.ManyToManyField = models.ManyToManyField(
        Resource, through="CollectionItem", related_name="collections", blank=True
    )

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "title"]
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("library:collection", args=[self.slug])


class CollectionItem(models.Model):
    collection = models.ForeignKey(Collection, on_delete=models.CASCADE, related_name="items")
    resource = models.ForeignKey(
        Resource, on_delete=models.CASCADE, related_name="collection_items"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    note = models.CharField(_("why it is here"), max_length=300, blank=True)

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["collection", "resource"], name="one_item_per_resource")
        ]

    def __str__(self) -> str:
        return f"{self.collection} #{self.order}"


class SearchListing(models.Model):
    """One row per published resource: its search vector (stripped of positions and weights:
    enough to match) and the facet columns of the resource itself, and nothing else. Matching a
    broad search ("cluster", most of the library) and counting its facets reads this narrow
    table instead of the resources' rows, whose vectors hold the text of every file. Derived
    data: `services.search_listings_refresh` rewrites a resource's row in the transaction that
    saves it or its search columns (signals.py), `search_listings_rebuild` the whole table (the
    beat's daily sweep)."""

    resource = models.OneToOneField(
        Resource, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    search_vector = SearchVectorField(null=True)
    type = models.CharField(max_length=20)
    year = models.PositiveSmallIntegerField(null=True)
    # The values of its other facets separated by spaces ("3 7", "es en", "MX CL", one method per
    # evidence row): every facet is counted in one grouped scan of this table, a few hundred
    # combinations each, without a join per facet.
    topics = models.CharField(max_length=200, blank=True)
    languages = models.CharField(max_length=100, blank=True)
    countries = models.CharField(max_length=200, blank=True)
    methods = models.CharField(max_length=200, blank=True)

    # The GIN index on search_vector exists on PostgreSQL only (migration 0009).

    def __str__(self) -> str:
        return f"search row of {self.resource_id}"


class FacetCount(models.Model):
    """How many published resources have each value of each facet of the library's browsing page
    (`dimension` "type", "year", "topic", "language", "country", "method", and "total" with no
    value), a few hundred rows in all: the unfiltered page reads its facets and its count here,
    one small query, whatever the size of the library. Derived from the search listing
    (`counts.py`): each refresh of a resource's listing row adds the difference between its old
    and new row in the same transaction (`n = n + delta`, so concurrent edits add up), and
    `counts.rebuild` counts the whole listing again (the daily sweep, a bulk load)."""

    dimension = models.CharField(max_length=12)
    value = models.CharField(max_length=20, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["dimension", "value"], name="one_facet_count_per_key")
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.value}: {self.n}"
