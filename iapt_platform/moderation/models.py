from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from . import registry


class ModerationItem(models.Model):
    """One submission waiting for (or having had) a moderator's decision."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        APPROVED = "approved", _("Approved")
        REJECTED = "rejected", _("Rejected")

    OPEN_STATUSES = (Status.PENDING, Status.CHANGES_REQUESTED)

    kind = models.CharField(_("kind"), max_length=40)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT)
    object_id = models.PositiveBigIntegerField()
    content_object = GenericForeignKey("content_type", "object_id")
    # Copied from the object at each (re)submission, so that the queue lists without joins.
    title = models.CharField(_("title"), max_length=300)
    country = models.CharField(_("country"), max_length=2, blank=True)
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("submitted by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="moderation_submissions",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("submitted at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    # Since when the item waits for a moderator: its submission, or its latest resubmission.
    waiting_since = models.DateTimeField(_("waiting since"), default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("moderation item")
        verbose_name_plural = _("moderation items")
        constraints = [
            models.UniqueConstraint(
                fields=["content_type", "object_id", "kind"],
                condition=Q(status__in=["pending", "changes_requested"]),
                name="moderation_one_open_item_per_object_and_kind",
            )
        ]
        indexes = [
            models.Index(fields=["status", "kind"], name="moderation_status_kind"),
            models.Index(fields=["status", "country"], name="moderation_status_country"),
            models.Index(fields=["status", "waiting_since"], name="moderation_status_waiting"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def waited_long(self) -> bool:
        """Pending for longer than moderators promise to answer (the queue marks it)."""
        return (
            self.status == self.Status.PENDING
            and timezone.now() - self.waiting_since > settings.MODERATION_ANSWER_WITHIN
        )

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES

    @property
    def kind_label(self) -> str:
        # An item may outlive the app that registered its kind: show the key rather than fail.
        try:
            return str(registry.get_kind(self.kind).label)
        except KeyError:
            return self.kind

    @property
    def country_name(self) -> str:
        return str(countries.name(self.country)) if self.country else ""


class ModerationEvent(models.Model):
    """The audit history of an item: who did what, when and why. Rows are never deleted."""

    class Action(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        RESUBMITTED = "resubmitted", _("Resubmitted")
        APPROVED = "approved", _("Approved")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        REJECTED = "rejected", _("Rejected")
        NOTE = "note", _("Note")

    item = models.ForeignKey(ModerationItem, on_delete=models.PROTECT, related_name="events")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=Action.choices)
    comment = models.TextField(_("comment"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("moderation event")
        verbose_name_plural = _("moderation events")

    def __str__(self) -> str:
        return f"{self.get_action_display()} · {self.item}"


class QueueReminder(models.Model):
    """The day's reminder of the waiting queue, claimed once per moderator and local day."""

    moderator = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    day = models.DateField()  # in the moderator's time zone
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["moderator", "day"], name="moderation_one_reminder_a_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.moderator_id} {self.day}"
