"""Community meetings: the meeting, who registered (and who attended), the notices they got,
the material shared afterwards and each member's secret calendar feed."""

from __future__ import annotations

import secrets
import zoneinfo
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.accounts.models import validate_time_zone
from iapt_platform.lib.fields import WebAddressField
from iapt_platform.lib.storage import private_storage
from iapt_platform.lib.translated import Text, in_language


class MeetingQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)

    def upcoming(self, *, now: datetime | None = None):
        return self.filter(ends_at__gte=now or timezone.now())

    def past(self, *, now: datetime | None = None):
        return self.filter(ends_at__lt=now or timezone.now())


class Meeting(models.Model):
    class Kind(models.TextChoices):
        COMMUNITY = "community", _("Community meeting")
        WORKSHOP = "workshop", _("Community-of-practice workshop")
        TRAINING = "training", _("Training session for cluster directors")
        WEBINAR = "webinar", _("Webinar")

    class Format(models.TextChoices):
        ONLINE = "online", _("Online")
        IN_PERSON = "in_person", _("In person")
        HYBRID = "hybrid", _("Hybrid")

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        HELD = "held", _("Held")

    slug = models.SlugField(unique=True, max_length=140)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.COMMUNITY)
    format = models.CharField(
        _("format"), max_length=20, choices=Format.choices, default=Format.ONLINE
    )
    # Stored in UTC; the organiser's zone is kept to show "the organiser's local time".
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    organiser_time_zone = models.CharField(
        _("organiser's time zone"),
        max_length=64,
        default="America/Santiago",
        validators=[validate_time_zone],
    )
    online_link = WebAddressField(
        _("online link"),
        max_length=500,
        blank=True,
        help_text=_("Shown only to registered participants."),
    )
    place = models.CharField(_("place"), max_length=300, blank=True)
    agenda = models.TextField(_("agenda"), blank=True, help_text=_("Markdown."))
    speakers = models.TextField(_("speakers"), blank=True, help_text=_("One per line."))
    capacity = models.PositiveIntegerField(
        _("capacity"),
        null=True,
        blank=True,
        help_text=_("Leave empty for no limit. Once it is full, people join a waitlist."),
    )
    registration_deadline = models.DateTimeField(
        _("registration deadline"),
        null=True,
        blank=True,
        help_text=_("Leave empty to accept registrations until the meeting starts."),
    )
    initiatives = models.ManyToManyField(
        "initiatives.Initiative",
        blank=True,
        related_name="meetings",
        verbose_name=_("linked initiatives"),
    )
    resources: models.ManyToManyField = models.ManyToManyField(
        "library.Resource",
        blank=True,
        related_name="meetings",
        verbose_name=_("linked library resources"),
        help_text=_("Slides, minutes or readings published in the library."),
    )
    project = models.ForeignKey(
        "matchmaking.Project",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meetings",
        verbose_name=_("joint project"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.SCHEDULED
    )
    # RFC 5545 SEQUENCE: raised whenever attendees' calendars must update (time, link, cancel).
    sequence = models.PositiveIntegerField(default=0)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    notify_subscribers = models.BooleanField(
        _("also announce to bulletin subscribers"), default=False
    )
    recording_url = WebAddressField(_("recording link"), max_length=500, blank=True)
    # A training meeting gives each attendee a certificate of attendance once it has ended.
    is_training = models.BooleanField(
        _("training with certificates of attendance"),
        default=False,
        help_text=_(
            "Once the meeting has ended, each person marked as attended can download a "
            "certificate of attendance."
        ),
    )
    training_hours = models.DecimalField(
        _("hours of training"),
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("0.5")), MaxValueValidator(Decimal("200"))],
        help_text=_("Written on the certificates, for example 2 or 1.5."),
    )
    # Written by staff when cancelling; it goes into every attendee's cancellation email.
    cancellation_note = models.TextField(_("note to the attendees"), blank=True)
    cancellation_note_language = models.CharField(
        _("language of the note"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # The one search (site_search.py): normalised words, and their vector on PostgreSQL.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    # modeltranslation swaps the manager class at start-up, which the stubs cannot follow.
    objects = MeetingQuerySet.as_manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["status", "starts_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="meeting_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("meetings:detail", args=[self.slug])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    @property
    def organiser_zone(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.organiser_time_zone)

    @property
    def closes_at(self) -> datetime:
        """When registration closes: the deadline, or the start."""
        return self.registration_deadline or self.starts_at

    def registration_open(self, *, now: datetime | None = None) -> bool:
        return (
            self.is_published
            and self.status == self.Status.SCHEDULED
            and (now or timezone.now()) < self.closes_at
        )

    def has_started(self, *, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.starts_at

    def has_ended(self, *, now: datetime | None = None) -> bool:
        return (now or timezone.now()) >= self.ends_at

    def gives_certificates(self, *, now: datetime | None = None) -> bool:
        """A training meeting that took place (not cancelled) and has ended."""
        return (
            self.is_training
            and self.training_hours is not None
            and self.status != self.Status.CANCELLED
            and self.has_ended(now=now)
        )

    def agenda_reading(self, wanted: str) -> Text:
        """The agenda in the reader's language, or in another with `is_fallback` set."""
        return in_language(self, "agenda", wanted)

    def speaker_list(self) -> list[str]:
        return [line.strip() for line in self.speakers.splitlines() if line.strip()]


class RegistrationQuerySet(models.QuerySet):
    def active(self):
        """Confirmed registrations: a seat or a place on the waitlist."""
        return self.filter(
            status__in=[Registration.Status.REGISTERED, Registration.Status.WAITLISTED]
        )

    def pending(self):
        return self.filter(status=Registration.Status.PENDING)

    def registered(self):
        return self.filter(status=Registration.Status.REGISTERED)

    def waitlisted(self):
        return self.filter(status=Registration.Status.WAITLISTED)

    def attended(self):
        return self.filter(attended=True)


class Registration(models.Model):
    """One person's place at a meeting (or on its waitlist).

    Members are linked to their account; visitors are known by the email they gave, and their
    registration stays "pending" (no seat, no place on the waitlist) until they follow the link
    emailed to that address. The name, organisation and country are copied at registration, so
    that the statistics of a past meeting do not change when a profile does.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for email confirmation")
        REGISTERED = "registered", _("Registered")
        WAITLISTED = "waitlisted", _("On the waitlist")
        CANCELLED = "cancelled", _("Cancelled")

    class Gender(models.TextChoices):
        # Derived from the self-described text (see services.gender_category); "" = not stated.
        WOMAN = "woman", _("Woman")
        MAN = "man", _("Man")
        OTHER = "other", _("Other self-description")
        NOT_STATED = "", _("Not stated")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="registrations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="meeting_registrations",
    )
    name = models.CharField(_("name"), max_length=200)
    email = models.EmailField(_("email"))  # lower case, for matching
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    country = CountryField(_("country"), blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="America/Santiago", validators=[validate_time_zone]
    )
    gender = models.CharField(_("gender (self-described)"), max_length=60, blank=True)
    gender_category = models.CharField(
        max_length=10, choices=Gender.choices, blank=True, default=Gender.NOT_STATED
    )
    gender_consent_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    waitlist_position = models.PositiveIntegerField(null=True, blank=True)
    attended = models.BooleanField(_("attended"), default=False)
    created_at = models.DateTimeField(default=timezone.now)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    promoted_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    objects = RegistrationQuerySet.as_manager()

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            # One live registration per person and meeting, pending ones included (a second
            # request resends the link); a cancelled one may be followed by a new registration.
            models.UniqueConstraint(
                "meeting",
                Lower("email"),
                condition=models.Q(status__in=["pending", "registered", "waitlisted"]),
                name="registration_one_live_per_email",
            ),
        ]
        indexes = [
            models.Index(fields=["meeting", "status"]),
            models.Index(Lower("email"), name="registration_email_lower"),
        ]

    def __str__(self) -> str:
        return f"{self.name} · {self.meeting}"

    @property
    def recipient(self):
        """Whom notices go to: the member's account (its current language and zone), else the
        address with the language and zone chosen at registration."""
        return self.user if self.user_id and self.user and self.user.is_active else self.email

    @property
    def recipient_language(self) -> str:
        return self.user.language if self.user_id and self.user else self.language

    @property
    def recipient_time_zone(self) -> str:
        return self.user.time_zone if self.user_id and self.user else self.time_zone


class NoticeDelivery(models.Model):
    """A notice that went out: the unique keys make each notice go once per person and kind."""

    class Kind(models.TextChoices):
        ANNOUNCEMENT = "announcement", _("Announcement")
        REMINDER_24H = "reminder_24h", _("Reminder 24 hours before")
        REMINDER_1H = "reminder_1h", _("Reminder 1 hour before")
        UPDATE = "update", _("Update")
        CANCELLATION = "cancellation", _("Cancellation")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="deliveries")
    # Notices about a registration (reminders, updates, cancellation) ...
    registration = models.ForeignKey(
        Registration, null=True, blank=True, on_delete=models.CASCADE, related_name="deliveries"
    )
    # ... or an announcement to a member who has not registered.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=Kind.choices)
    sequence = models.PositiveIntegerField(default=0)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("notice sent")
        verbose_name_plural = _("notices sent")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "sequence"], name="notice_once_per_registration"
            ),
            models.UniqueConstraint(
                fields=["meeting", "user", "kind"], name="notice_once_per_user"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.meeting_id}"


def material_path(instance, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"meetings/materials/{filename}"


class Material(models.Model):
    """Minutes, slides or another document shared after a meeting."""

    class Kind(models.TextChoices):
        MINUTES = "minutes", _("Minutes")
        SLIDES = "slides", _("Slides")
        OTHER = "other", _("Other document")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="materials")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MINUTES)
    title = models.CharField(_("title"), max_length=200)
    file = models.FileField(_("file"), upload_to=material_path, storage=private_storage)
    original_name = models.CharField(max_length=160, blank=True)
    mimetype = models.CharField(max_length=120, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "created_at"]
        verbose_name = _("material")
        verbose_name_plural = _("materials")

    def __str__(self) -> str:
        return self.title


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class MeetingFeedToken(models.Model):
    """The secret in the address of a member's calendar feed; resetting it retires the old URL."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="meeting_feed_token"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("calendar feed token")
        verbose_name_plural = _("calendar feed tokens")

    def __str__(self) -> str:
        return f"{self.user_id}"


def new_certificate_code() -> str:
    # 128 random bits: nobody guesses a valid code, and a changed character finds nothing.
    return secrets.token_urlsafe(16)


class CertificateQuerySet(models.QuerySet):
    def valid(self):
        return self.filter(revoked_at__isnull=True)


class Certificate(models.Model):
    class Revoked(models.TextChoices):
        ATTENDANCE = "attendance", _("The attendance was removed.")
        MEETING = "meeting", _("The meeting no longer gives certificates.")
        CLOSED = "closed", _("Its holder closed their account, and their name is no longer kept.")

    """A certificate of attendance: one per attendee of a training meeting, issued once.

    The code is the public, unguessable part of the verification address. The name is the one
    the attendee registered with, frozen when the certificate was issued: a later change of
    profile does not change what was certified. Removing the attendance revokes it (the
    verification page then says so); recording it again restores the same certificate.
    """

    meeting = models.ForeignKey(
        Meeting, on_delete=models.PROTECT, related_name="certificates", verbose_name=_("meeting")
    )
    # Kept when the registration goes (a closed account's past registrations stay anonymous).
    registration = models.OneToOneField(
        Registration,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="certificate",
    )
    code = models.CharField(max_length=32, unique=True, default=new_certificate_code)
    name = models.CharField(_("name"), max_length=200)
    issued_at = models.DateTimeField(_("issued at"), default=timezone.now)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(
        _("reason"), max_length=20, choices=Revoked.choices, blank=True
    )
    notified_at = models.DateTimeField(null=True, blank=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        ordering = ["meeting", "name", "pk"]
        verbose_name = _("certificate of attendance")
        verbose_name_plural = _("certificates of attendance")

    def __str__(self) -> str:
        return f"{self.name} · {self.meeting}"

    def get_absolute_url(self) -> str:
        return reverse("meetings:certificate_verify", args=[self.code])

    @property
    def is_valid(self) -> bool:
        return self.revoked_at is None
