from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField
from simple_history.models import HistoricalRecords

from iapt_platform.accounts.privacy import ContactField, Visibility
from iapt_platform.lib import subdivisions
from iapt_platform.lib.fields import WebAddressField
from iapt_platform.lib.regions import RegionCountries


class Sector(models.Model):
    """A sector of the taxonomy, anchored on an ISIC Rev. 4 code; its name exists in three languages."""

    slug = models.SlugField(unique=True)
    isic_code = models.CharField(_("ISIC Rev. 4 code"), max_length=32, blank=True)
    name = models.CharField(_("name"), max_length=120)
    order = models.PositiveSmallIntegerField(default=0)

    # modeltranslation swaps the manager class at start-up, which the stubs cannot follow.
    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiatives:sector", args=[self.slug])


class Programme(models.Model):
    """A national or regional programme, or another entity that promotes initiatives."""

    class Kind(models.TextChoices):
        NATIONAL = "national", _("National programme")
        REGIONAL = "regional", _("Regional or sub-national programme")
        AGENCY = "agency", _("Development agency")
        CHAMBER = "chamber", _("Chamber or business association")
        INTERNATIONAL = "international", _("International organisation")
        OTHER = "other", _("Other promoting entity")

    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.NATIONAL)
    country = CountryField(_("country"), countries=RegionCountries, blank=True)
    website = WebAddressField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_language = models.CharField(
        _("language of the description"), max_length=8, choices=settings.LANGUAGES, default="es"
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiatives:programme", args=[self.slug])


class InitiativeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Initiative.Status.PUBLISHED, revision_of=None)

    def managed_by(self, user):
        return self.filter(managers=user)


def logo_path(instance, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"initiatives/logos/{filename}"


class Initiative(models.Model):
    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster initiative")
        NETWORK = "network", _("Business network")
        VALUE_CHAIN = "value_chain", _("Value-chain or supplier-development programme")
        AGENDA = "agenda", _("Territorial development agenda")
        PARK = "park", _("Technology or innovation park")
        OTHER = "other", _("Other")

    class Stage(models.TextChoices):
        EMERGING = "emerging", _("Emerging")
        DEVELOPING = "developing", _("Developing")
        CONSOLIDATED = "consolidated", _("Consolidated")
        MATURE = "mature", _("Mature")

    class LegalForm(models.TextChoices):
        ASSOCIATION = "association", _("Non-profit association")
        FOUNDATION = "foundation", _("Foundation")
        COOPERATIVE = "cooperative", _("Cooperative")
        COMPANY = "company", _("Company")
        PUBLIC_BODY = "public_body", _("Public body")
        PPP = "ppp", _("Public-private partnership")
        CHAMBER = "chamber", _("Chamber or business association")
        UNIVERSITY = "university", _("University or research centre")
        INFORMAL = "informal", _("No legal form (agreement between members)")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        MERGED = "merged", _("Merged into the published profile")

    CLOSED_REVISION = ("merged", "rejected")
    # Fields a submission needs (besides a sector): each step of the guided form marks and checks
    # the ones it asks, so nothing is first reported missing at the review step.
    REQUIRED_TO_SUBMIT = ("name", "country", "kind", "description", "contact_name")

    FUNDING_SOURCES = [
        ("membership_fees", _("Membership fees")),
        ("national_government", _("National government")),
        ("subnational_government", _("Sub-national government")),
        ("development_bank", _("Development bank")),
        ("international_cooperation", _("International cooperation")),
        ("private_companies", _("Private companies")),
        ("universities", _("Universities")),
        ("services_sold", _("Sale of services")),
        ("other", _("Other")),
    ]
    DIGITAL_TOPICS = [
        ("data_ai", _("Data and AI")),
        ("cloud", _("Cloud")),
        ("cybersecurity", _("Cybersecurity")),
        ("ecommerce", _("E-commerce")),
        ("fintech", _("Fintech")),
        ("industry40", _("Industry 4.0")),
        ("digital_skills", _("Digital skills")),
        ("connectivity", _("Connectivity")),
    ]

    # Identity
    slug = models.SlugField(unique=True, max_length=160)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.CLUSTER)
    website = WebAddressField(_("website"), blank=True, max_length=300)
    # Place
    country = CountryField(_("country"), countries=RegionCountries)
    # An ISO 3166-2 code of the country's first level ("MX-MIC"), checked in clean(); its names
    # live in iapt_platform.lib.subdivisions, not in choices (hundreds of them, kept current there).
    subdivision = models.CharField(
        _("state, province or department"), max_length=6, blank=True, default=""
    )
    territory = models.CharField(_("locality or territory detail"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=8,
        decimal_places=5,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    # Focus
    sectors = models.ManyToManyField(Sector, related_name="initiatives", verbose_name=_("sectors"))
    value_chain = models.CharField(_("value chain"), max_length=200, blank=True)
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, blank=True)
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
        verbose_name=_("supporting programme"),
    )
    digital_focus = models.BooleanField(_("digital-economy focus"), default=False)
    digital_topics = models.JSONField(_("digital-economy topics"), default=list, blank=True)
    # Organisation
    managing_organisation = models.CharField(_("managing organisation"), max_length=200, blank=True)
    legal_form = models.CharField(
        _("legal form"), max_length=20, choices=LegalForm.choices, blank=True
    )
    members_micro_small_firms = models.PositiveIntegerField(
        _("micro and small firms"), null=True, blank=True
    )
    members_medium_firms = models.PositiveIntegerField(
        _("medium-sized firms"), null=True, blank=True
    )
    members_large_firms = models.PositiveIntegerField(_("large firms"), null=True, blank=True)
    members_universities = models.PositiveIntegerField(
        _("universities and research centres"), null=True, blank=True
    )
    members_public_bodies = models.PositiveIntegerField(_("public bodies"), null=True, blank=True)
    members_civil_society = models.PositiveIntegerField(
        _("civil society organisations"), null=True, blank=True
    )
    staff_fte = models.DecimalField(
        _("staff (full-time equivalents)"),
        max_digits=6,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    funding_sources = models.JSONField(_("funding sources"), default=list, blank=True)
    services_offered = models.TextField(_("services offered"), blank=True)
    strategic_lines = models.TextField(_("strategic lines"), blank=True)
    # Presentation and contact
    description = models.TextField(_("description"), blank=True)
    description_language = models.CharField(
        _("language of the description"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    # Only files that went through iapt_platform.lib.uploads (re-encoded, renamed) are stored here.
    logo = models.ImageField(_("logo"), upload_to=logo_path, blank=True)
    linkedin_url = WebAddressField("LinkedIn", blank=True, max_length=300)
    x_url = WebAddressField("X", blank=True, max_length=300)
    facebook_url = WebAddressField("Facebook", blank=True, max_length=300)
    instagram_url = WebAddressField("Instagram", blank=True, max_length=300)
    youtube_url = WebAddressField("YouTube", blank=True, max_length=300)
    contact_name = models.CharField(_("contact person"), max_length=120, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    contact_email_visibility = models.CharField(
        _("who sees the email"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    contact_phone = models.CharField(_("contact phone"), max_length=40, blank=True)
    contact_phone_visibility = models.CharField(
        _("who sees the phone"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
    )
    # Workflow
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    draft_step = models.PositiveSmallIntegerField(default=1)
    # An edit to a published initiative is a draft row of its own that points at the original;
    # the public keeps seeing the original until staff approve the edit.
    revision_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.CASCADE, related_name="revisions"
    )
    managers: models.ManyToManyField = models.ManyToManyField(
        "accounts.User", blank=True, related_name="managed_initiatives", verbose_name=_("managers")
    )
    created_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)
    freshness_requested_at = models.DateTimeField(null=True, blank=True)
    stale_flagged_at = models.DateTimeField(null=True, blank=True)
    # Search: a normalised (lower case, no accents) document, and on PostgreSQL its vector.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    # Not the logo: a replaced logo leaves storage (lib/storage.py), so a past version could only
    # name a missing file; restoring one keeps the current logo.
    history = HistoricalRecords(
        excluded_fields=["search_document", "search_vector", "updated_at", "logo"]
    )
    objects = InitiativeQuerySet.as_manager()
    # Not a column: a directory card's sectors in their order, set by selectors.initiative_directory.
    listed_sectors: list["Sector"]

    class Meta:
        ordering = ["name"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        indexes = [
            models.Index(fields=["status", "country"]),
            models.Index(fields=["status", "subdivision"]),
            models.Index(fields=["status", "kind"]),
            models.Index(fields=["status", "stage"]),
            models.Index(fields=["status", "-published_at"]),
            # The directory's default order (by name, case-insensitive) without sorting the table.
            models.Index(
                Lower("name"),
                "id",
                name="initiative_public_name",
                condition=models.Q(status="published", revision_of__isnull=True),
            ),
            # The same order within a country: the directory filtered by a country (and a sector,
            # a type...) reads its page of 24 in order instead of sorting the country's rows.
            models.Index(
                "country",
                Lower("name"),
                "id",
                name="initiative_public_country_name",
                condition=models.Q(status="published", revision_of__isnull=True),
            ),
            # And within a type: names follow the type ("Clúster ...", "Red ..."), so the
            # directory of one type would otherwise walk thousands of names of the others.
            models.Index(
                "kind",
                Lower("name"),
                "id",
                name="initiative_public_kind_name",
                condition=models.Q(status="published", revision_of__isnull=True),
            ),
            # The GIN index on search_vector exists on PostgreSQL only (migration 0002).
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", args=[self.slug])

    def contact_fields(self) -> dict[str, ContactField]:
        """The contact person's details (read through iapt_platform.accounts.privacy)."""
        return {
            "email": ContactField(self.contact_email, self.contact_email_visibility),
            "phone": ContactField(self.contact_phone, self.contact_phone_visibility),
        }

    def contact_owner_ids(self) -> list[int]:
        # An edit (a revision row) belongs to the managers of the published original.
        source = self.revision_of or self
        return list(source.managers.values_list("pk", flat=True))

    @property
    def open_revision(self) -> "Initiative | None":
        """The edit being prepared or reviewed (prefetched as `open_revisions` in lists)."""
        revisions = getattr(self, "open_revisions", None)
        if revisions is None:
            revisions = list(self.revisions.exclude(status__in=Initiative.CLOSED_REVISION))
        return revisions[0] if revisions else None

    @property
    def subdivision_name(self) -> str:
        return subdivisions.name(self.subdivision)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_editable_draft(self) -> bool:
        return self.status in (self.Status.DRAFT, self.Status.CHANGES_REQUESTED)

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.year_founded and self.year_founded > timezone.now().year:
            errors["year_founded"] = _("The year founded cannot be in the future.")
        if self.year_founded and self.year_founded < 1900:
            errors["year_founded"] = _("Give a year from 1900 on.")
        if self.subdivision and not subdivisions.belongs(
            self.subdivision, self.country.code if self.country else ""
        ):
            errors["subdivision"] = _("Choose a state or province of %(country)s.") % {
                "country": self.country.name if self.country else "—"
            }
        if (self.latitude is None) != (self.longitude is None):
            errors["longitude"] = _("Give both latitude and longitude, or neither.")
        elif self.latitude is not None and self.longitude is not None and self.country:
            from .geography import point_in_country

            if not point_in_country(self.country.code, float(self.latitude), float(self.longitude)):
                errors["latitude"] = _(
                    "These coordinates lie outside %(country)s. Check the sign of each number."
                ) % {"country": self.country.name}
        if errors:
            raise ValidationError(errors)


class ManagerInvitation(models.Model):
    """A manager invites a colleague by email to co-manage an initiative."""

    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"))
    invited_by = models.ForeignKey("accounts.User", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    accepted_at = models.DateTimeField(null=True, blank=True)
    accepted_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "email"],
                condition=models.Q(accepted_at__isnull=True),
                name="one_open_invitation_per_email",
            )
        ]

    def __str__(self) -> str:
        return f"{self.email} → {self.initiative}"


class ManagementRequest(models.Model):
    """Someone asks staff to become a co-manager of an existing profile (instead of a duplicate)."""

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="management_requests"
    )
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, related_name="management_requests"
    )
    message = models.TextField(_("why you should manage this profile"), max_length=2000)
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    granted = models.BooleanField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["initiative", "user"],
                condition=models.Q(decided_at__isnull=True),
                name="one_open_management_request",
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.initiative}"


class SectorListing(models.Model):
    """One row per published initiative and sector: a narrow copy of what an initiative's page
    needs to pick related initiatives (same sector, other country, by name) from an index, a few
    rows per sector, whatever the size of the registry; a sector's page reads its page of
    initiatives by name from it, and the directory's sector filter its ids. Derived data:
    `services.sector_listings_refresh` rewrites an initiative's rows in the transaction that
    touches it and again after the commit (signals.py), and `sector_listings_rebuild` the whole
    table (the beat's daily sweep)."""

    # Every index below begins with the sector: no index of its own.
    sector = models.ForeignKey(Sector, on_delete=models.CASCADE, related_name="+", db_index=False)
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    name = models.CharField(max_length=200)
    country = models.CharField(max_length=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sector", "initiative"], name="one_listing_per_sector")
        ]
        indexes = [
            models.Index(fields=["sector", "name", "country", "initiative"]),
            # The directory filtered by a country and a sector: the ids of the initiatives of
            # both, from the index alone, for its facets; and its page in its order (by name,
            # case aside).
            models.Index(fields=["sector", "country", "initiative"], name="sector_listing_country"),
            models.Index(
                "sector",
                "country",
                Lower("name"),
                "initiative",
                name="sector_listing_country_name",
            ),
            # The directory filtered by a sector alone: its page in its order (by name, case
            # aside), however small a share of the registry the sector is.
            models.Index("sector", Lower("name"), "initiative", name="sector_listing_name_ci"),
        ]

    def __str__(self) -> str:
        return f"{self.sector_id}: {self.name}"


class SearchListing(models.Model):
    """One row per published initiative: its search vector and the columns the directory's facets
    group by, and nothing else. Counting the facets of a broad search ("cluster", most of the
    registry) reads this narrow table instead of the initiatives' wide rows, whose vectors and
    descriptions lie out of line. Derived data, like `SectorListing`: `services.
    search_listings_refresh` rewrites an initiative's row in the transaction that saves it, its
    sectors or its search columns, and again after the commit (signals.py), and
    `search_listings_rebuild` the whole table (the beat's daily sweep)."""

    initiative = models.OneToOneField(
        Initiative, primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    # The initiative's vector without positions or weights (PostgreSQL's strip()): enough to
    # match, a third smaller. Ranking still reads the initiative's own vector.
    search_vector = SearchVectorField(null=True)
    country = models.CharField(max_length=2)
    subdivision = models.CharField(max_length=6, blank=True)
    kind = models.CharField(max_length=20)
    stage = models.CharField(max_length=20, blank=True)
    # No foreign key constraint: deleting a programme nulls the initiatives' column by an UPDATE
    # that sends no signal; signals.py refreshes the rows that named it.
    programme = models.ForeignKey(
        Programme,
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    digital_focus = models.BooleanField(default=False)
    # The ids of its sectors separated by spaces ("3 7"): the sector facet is counted in the same
    # grouped scan as the others (a few hundred combinations), without joining the sectors.
    sectors = models.CharField(max_length=200, blank=True)
    # Read by the registry's counts (counts.py) only: the decade founded and whether it is on the map.
    year_founded = models.PositiveSmallIntegerField(null=True)
    located = models.BooleanField(default=False, db_default=False)

    class Meta:
        indexes = [
            # The facets of a country's initiatives counted from the index alone, never the
            # whole listing (key columns rather than INCLUDE, which SQLite lacks).
            models.Index(
                fields=[
                    "country",
                    "kind",
                    "stage",
                    "subdivision",
                    "programme",
                    "digital_focus",
                    "sectors",
                ],
                name="search_listing_country",
            ),
        ]

    # The GIN index on search_vector exists on PostgreSQL only (migration 0008).

    def __str__(self) -> str:
        return f"search row of {self.initiative_id}"


class RegistryCount(models.Model):
    """How many published initiatives of a country have a value of a dimension ("kind", "cluster"),
    a few thousand rows in all: the statistics, map, country and sector pages read their counts here,
    one small query each, whatever the size of the registry. Derived from the search listing
    (`counts.py`): each refresh of an initiative's listing row adds the difference between its old
    and new row in the same transaction (`n = n + delta`, so concurrent edits add up), and
    `counts.rebuild` counts the whole listing again (the daily sweep, a bulk load)."""

    dimension = models.CharField(max_length=12)
    country = models.CharField(max_length=2)
    value = models.CharField(max_length=20, blank=True)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["dimension", "country", "value"], name="one_registry_count_per_key"
            )
        ]
        indexes = [models.Index(fields=["country"])]

    def __str__(self) -> str:
        return f"{self.dimension} {self.country} {self.value}: {self.n}"


class RegistryPairCount(models.Model):
    """How many published initiatives of a country have a value of one dimension among those with
    a value of another: `dimension` "kind@sector", `given` "12", `value` "cluster" (of sector 12,
    the clusters). The directory filtered by one or two things (a sector, a type, a stage, a
    place, a programme, the digital tick box), with or without countries, reads its facets' numbers
    and its total here in one small query instead of counting the matching initiatives, whatever
    the size of the registry. Derived from the search listing with the registry's counts
    (`counts.py`), in the same transaction; apart from them so that the pages reading every
    `RegistryCount` do not read these."""

    dimension = models.CharField(max_length=30)
    given = models.CharField(max_length=20)
    country = models.CharField(max_length=2)
    value = models.CharField(max_length=20)
    n = models.IntegerField(default=0)

    class Meta:
        constraints = [
            # A filter's values first: one range of the index, with or without countries.
            models.UniqueConstraint(
                fields=["dimension", "given", "country", "value"], name="one_registry_pair_per_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.dimension} {self.given} {self.country} {self.value}: {self.n}"
