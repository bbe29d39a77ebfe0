"""One row per transactional email (every email but the bulletin, which keeps its own delivery
rows): written in the transaction of the change that causes it, sent by a task that takes its
id, swept every minute while it is still pending (after pretix's `OutgoingMail`)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class OutgoingEmailQuerySet(models.QuerySet):
    def due(self, now: Any) -> OutgoingEmailQuerySet:
        """Pending rows whose (next) attempt time has come: what the sweeper sends."""
        return self.filter(status=OutgoingEmail.Status.PENDING, next_attempt_at__lte=now)


class OutgoingEmail(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting to be sent")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    recipients = models.JSONField(_("recipients"), default=list)
    template = models.CharField(_("template"), max_length=100, blank=True)
    language = models.CharField(_("language"), max_length=10, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)  # for lists; full below
    # The RenderedEmail as JSON (subject, text, html, headers, attachments): sent as it was rendered.
    payload = models.JSONField(_("message"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    objects = OutgoingEmailQuerySet.as_manager()

    class Meta:
        verbose_name = _("outgoing email")
        verbose_name_plural = _("outgoing emails")
        indexes = [
            # The sweeper's query (pending and due); pending rows are few, so the index is small.
            models.Index(
                fields=["next_attempt_at"],
                condition=Q(status="pending"),
                name="outbox_pending_due_idx",
            ),
            # The staff page (newest failures first) and the retention of sent rows.
            models.Index(
                fields=["-created_at"], condition=Q(status="failed"), name="outbox_failed_idx"
            ),
            models.Index(fields=["sent_at"], condition=Q(status="sent"), name="outbox_sent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} → {', '.join(self.recipients)}"
