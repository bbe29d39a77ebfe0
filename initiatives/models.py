from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.regions import RegionCountries


class Sector(models.Model):
    """A sector of the taxonomy, anchored on an ISIC Rev. 4 code; its name exists in three languages."""

    slug = models.SlugField(unique=True)
    isic_code = models.CharField(_("ISIC Rev. 4 code"), max_length=16, blank=True)
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
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")

    def __str__(self) -> str:
        return self.name


class InitiativeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Initiative.Status.PUBLISHED)


class Initiative(models.Model):
    class Kind(models.TextChoices):
        CLUSTER = "cluster", _("Cluster initiative")
        NETWORK = "network", _("Business network")
        VALUE_CHAIN = "value_chain", _("Value-chain or supplier-development programme")
        AGENDA = "agenda", _("Territorial development agenda")
        PARK = "park", _("Technology or innovation park")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    slug = models.SlugField(unique=True, max_length=140)
    name = models.CharField(_("name"), max_length=200)
    acronym = models.CharField(_("acronym"), max_length=30, blank=True)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices, default=Kind.CLUSTER)
    country = CountryField(_("country"), countries=RegionCountries)
    territory = models.CharField(_("territory"), max_length=120, blank=True)
    city = models.CharField(_("city"), max_length=120, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    longitude = models.DecimalField(
        _("longitude"), max_digits=8, decimal_places=5, null=True, blank=True
    )
    sectors = models.ManyToManyField(Sector, related_name="initiatives", verbose_name=_("sectors"))
    programme = models.ForeignKey(
        Programme,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="initiatives",
        verbose_name=_("supporting programme"),
    )
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    description_language = models.CharField(
        _("language of the description"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    year_founded = models.PositiveSmallIntegerField(_("year founded"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    managers: models.ManyToManyField = models.ManyToManyField(
        "accounts.User",
        blank=True,
        related_name="managed_initiatives",
        verbose_name=_("managers"),
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)
    last_verified_at = models.DateTimeField(_("last verified"), null=True, blank=True)

    objects = InitiativeQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("initiative")
        verbose_name_plural = _("initiatives")
        indexes = [models.Index(fields=["status", "country"])]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("initiatives:detail", args=[self.slug])
