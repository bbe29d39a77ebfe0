import zoneinfo
from functools import lru_cache
from typing import ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from django_countries.fields import CountryField

from iapt_platform.lib.storage import private_storage


def validate_time_zone(value: str) -> None:
    if value not in available_time_zones():
        raise ValidationError(_("“%(value)s” is not a known time zone."), params={"value": value})


@lru_cache(maxsize=1)
def available_time_zones() -> frozenset[str]:
    """The IANA zones this machine knows (read from disk once: the scan costs milliseconds)."""
    return frozenset(zoneinfo.available_timezones() - {"localtime", "Factory"})


def default_time_zone() -> str:
    return settings.DEFAULT_READER_TIME_ZONE


class AccountManager(UserManager):
    """Accounts are identified by email; there is no username."""

    use_in_migrations = True

    def _create_user(self, email, password, **extra_fields):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra_fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email=None, password=None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)


class User(AbstractUser):
    """An account and its profile: who the person is and how pages and emails reach them."""

    username = None  # type: ignore[assignment]
    first_name = None  # type: ignore[assignment]
    last_name = None  # type: ignore[assignment]
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=120, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    position = models.CharField(_("position"), max_length=120, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(
        _("preferred language"),
        max_length=8,
        choices=settings.LANGUAGES,
        default=settings.LANGUAGE_CODE,
        help_text=_("Pages and emails reach you in this language."),
    )
    time_zone = models.CharField(
        _("time zone"),
        max_length=64,
        default=default_time_zone,
        validators=[validate_time_zone],
        help_text=_("Every date and time is shown to you in this zone."),
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[AccountManager] = AccountManager()  # type: ignore[assignment]

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.email

    def get_full_name(self) -> str:
        return self.display_name or self.email.split("@")[0]

    def get_short_name(self) -> str:
        return self.get_full_name()


def data_export_path(instance: "DataExport", filename: str) -> str:
    # Private storage, under a random name: the file is only ever sent by the signed-link view.
    return f"accounts/data-exports/{filename}"


class DataExportQuerySet(models.QuerySet):
    def latest_of(self, user) -> "DataExport | None":
        return self.filter(user=user).order_by("-requested_at", "-pk").first()


class DataExport(models.Model):
    """A person's request for an archive of their data, and the archive once it is built."""

    class Status(models.TextChoices):
        PREPARING = "preparing", _("Being prepared")
        READY = "ready", _("Ready to download")
        EXPIRED = "expired", pgettext_lazy("data archive", "Expired")
        FAILED = "failed", _("Could not be prepared")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="data_exports"
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PREPARING)
    requested_at = models.DateTimeField(default=timezone.now)
    # Set by the task that claims the request: a request nobody claimed, or whose build stopped
    # with its worker, is sent again by the beat (accounts.tasks.sweep_data_exports).
    started_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    ready_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    file = models.FileField(
        upload_to=data_export_path, storage=private_storage, blank=True, max_length=200
    )
    size = models.PositiveBigIntegerField(default=0)

    objects = DataExportQuerySet.as_manager()

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("data archive")
        verbose_name_plural = _("data archives")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=models.Q(status="preparing"),
                name="accounts_one_data_export_in_preparation",
            )
        ]
        indexes = [models.Index(fields=["status", "expires_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} · {self.requested_at:%Y-%m-%d %H:%M} · {self.status}"

    @property
    def is_downloadable(self) -> bool:
        return (
            self.status == self.Status.READY
            and bool(self.file)
            and self.expires_at is not None
            and self.expires_at > timezone.now()
        )


class AccountClosure(models.Model):
    """The record that an account was closed, kept after it: the account's number, when, and,
    when a moderator closed it at the person's request, who did and why. Nothing else about the
    person (no name, no address) stays here."""

    account_number = models.PositiveBigIntegerField(_("account number"), db_index=True)
    closed_at = models.DateTimeField(_("closed at"), auto_now_add=True)
    closed_by = models.ForeignKey(
        "accounts.User",
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_(
            "The moderator who closed it at the person's request; empty when the person did."
        ),
    )
    reason = models.TextField(_("reason"), blank=True)
    removed_posts = models.BooleanField(_("unquoted forum posts removed"), default=False)

    class Meta:
        ordering = ["-closed_at", "-id"]
        verbose_name = _("closed account")
        verbose_name_plural = _("closed accounts")

    def __str__(self) -> str:
        return f"#{self.account_number} · {self.closed_at:%Y-%m-%d}"
