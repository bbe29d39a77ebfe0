"""What members follow, and the notifications of what is new there.

A `Follow` names a subject as `iapt_platform.lib.news` does (a kind and a key: "country"/"EC",
"sector"/"agrifood", "initiative"/"42"). A follow with `muted` set is an opt-out: the member no
longer hears of a subject they follow by default (a promoter and their own initiative).

A `NewsNotification` is one person told of one announced object, once: the unique constraint keeps
a second announcement of the same object (or a second subject that matches) from telling them again.
An app that has a new event about an object already announced (an initiative's next update) says so
with `extra={"occurrence": "..."}`.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _


class Follow(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="follows"
    )
    kind = models.CharField(_("kind"), max_length=20)
    key = models.CharField(_("key"), max_length=100)
    # An opt-out: the member follows this subject by default and chose not to hear of it.
    muted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "key"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "key"], name="following_follow_once")
        ]
        # Who follows a subject: the listener's question at every announcement.
        indexes = [models.Index(fields=["kind", "key"], name="following_subject")]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.kind}:{self.key}{' (muted)' if self.muted else ''}"


class NewsNotification(models.Model):
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="news_notifications"
    )
    kind = models.CharField(max_length=40)  # a kind registered with lib/news ("story")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE, related_name="+")
    object_id = models.PositiveBigIntegerField()
    # What tells a new event about the same object from a repeat of one already told (an
    # initiative's second approved edit, a closing reminder): the announcement's
    # extra["occurrence"], empty for the object's first publication.
    occurrence = models.CharField(max_length=60, blank=True, default="")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once emailed to a member who hears immediately, so that a retried task sends it once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="following_unread"),
            models.Index(fields=["recipient", "created_at"], name="following_recent"),
            models.Index(
                fields=["created_at"],
                name="following_unemailed",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "kind", "content_type", "object_id", "occurrence"],
                name="following_notify_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.content_type_id}:{self.object_id} → {self.recipient_id}"
