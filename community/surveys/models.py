"""Surveys: a short form staff build (in three languages), who it went to, and the answers.

A survey is attached to a meeting (its attendees get it by email once the meeting has ended, one
`Invitation` row each, so nobody gets it twice) or stands alone, for members or for everyone.
Each person answers once: a `Response` is unique per survey and account, per invitation, and per
browser (visitors answering a survey open to everyone).
"""

from __future__ import annotations

import secrets
from datetime import datetime

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SurveyQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False)


class Survey(models.Model):  # type: ignore[django-manager-missing]
    class Audience(models.TextChoices):
        ATTENDEES = "attendees", _("The meeting's attendees (sent by email after it ends)")
        MEMBERS = "members", _("Members (signed in)")
        EVERYONE = "everyone", _("Everyone, visitors too (one answer per browser)")

    title = models.CharField(_("title"), max_length=200)
    intro = models.TextField(_("introduction"), blank=True)
    audience = models.CharField(
        _("who answers"), max_length=20, choices=Audience.choices, default=Audience.ATTENDEES
    )
    meeting = models.ForeignKey(
        "meetings.Meeting",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        # No reverse accessor: meetings knows nothing of surveys (and the stubs cannot follow a
        # manager that modeltranslation swaps).
        related_name="+",
        verbose_name=_("meeting"),
    )
    opens_at = models.DateTimeField(
        _("opens at"),
        null=True,
        blank=True,
        help_text=_("Leave empty to open when the meeting ends (or at once, without a meeting)."),
    )
    closes_at = models.DateTimeField(
        _("closes at"), null=True, blank=True, help_text=_("Leave empty to keep it open.")
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    # modeltranslation swaps the manager class at start-up, which the stubs cannot follow.
    objects = SurveyQuerySet.as_manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("survey")
        verbose_name_plural = _("surveys")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(audience="attendees") | models.Q(meeting__isnull=False),
                name="survey_attendees_need_a_meeting",
            ),
            models.CheckConstraint(
                condition=models.Q(closes_at__isnull=True)
                | models.Q(opens_at__isnull=True)
                | models.Q(closes_at__gt=models.F("opens_at")),
                name="survey_closes_after_it_opens",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("surveys:answer", args=[self.pk])

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def opening(self) -> datetime | None:
        """When answers start: the date set, else the meeting's end, else publication."""
        if self.opens_at:
            return self.opens_at
        if self.meeting_id and self.meeting:
            return self.meeting.ends_at
        return self.published_at

    def is_open(self, *, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        opening = self.opening()
        return (
            self.is_published
            and opening is not None
            and opening <= now
            and (self.closes_at is None or now < self.closes_at)
        )

    def has_closed(self, *, now: datetime | None = None) -> bool:
        return self.closes_at is not None and (now or timezone.now()) >= self.closes_at


class Question(models.Model):  # type: ignore[django-manager-missing]
    class Kind(models.TextChoices):
        SINGLE = "single", _("One choice")
        MULTIPLE = "multiple", _("Several choices")
        SCALE = "scale", _("Scale from 1 to 5")
        TEXT = "text", _("Free text")

    CHOICE_KINDS = (Kind.SINGLE, Kind.MULTIPLE)
    SCALE = range(1, 6)

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.SINGLE)
    text = models.CharField(_("question"), max_length=300)
    required = models.BooleanField(_("required"), default=True)

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("question")
        verbose_name_plural = _("questions")

    def __str__(self) -> str:
        return self.text

    @property
    def has_choices(self) -> bool:
        return self.kind in self.CHOICE_KINDS


class Choice(models.Model):
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices")
    position = models.PositiveSmallIntegerField(default=0)
    label = models.CharField(_("choice"), max_length=200)

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self) -> str:
        return self.label


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Invitation(models.Model):
    """A survey emailed to one attendee of its meeting: written before the email is queued, and
    unique per registration, so a second run (or a second worker) skips that person."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="invitations")
    registration = models.ForeignKey(
        "meetings.Registration", on_delete=models.CASCADE, related_name="survey_invitations"
    )
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    # The address in the email: attendees without an account answer through it.
    token = models.CharField(max_length=64, unique=True, default=new_token)
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "registration"], name="survey_invitation_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.registration_id}"


class Response(models.Model):
    """One person's answers to a survey: by account, by invitation, or by browser."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="responses")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="survey_responses",
    )
    invitation = models.OneToOneField(
        Invitation, null=True, blank=True, on_delete=models.SET_NULL, related_name="response"
    )
    # A random key kept in a cookie: visitors answering a survey open to everyone.
    browser_key = models.CharField(max_length=64, blank=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["submitted_at", "pk"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")
        constraints = [
            models.UniqueConstraint(
                fields=["survey", "user"],
                condition=models.Q(user__isnull=False),
                name="survey_response_once_per_user",
            ),
            models.UniqueConstraint(
                fields=["survey", "browser_key"],
                condition=~models.Q(browser_key=""),
                name="survey_response_once_per_browser",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.survey_id} · {self.submitted_at:%Y-%m-%d}"


class Answer(models.Model):
    """One answer: a choice ticked (a row per choice), a number on the scale, or text."""

    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    choice = models.ForeignKey(
        Choice, null=True, blank=True, on_delete=models.CASCADE, related_name="answers"
    )
    value = models.PositiveSmallIntegerField(null=True, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(
                fields=["response", "choice"],
                condition=models.Q(choice__isnull=False),
                name="survey_answer_choice_once",
            ),
            models.UniqueConstraint(
                fields=["response", "question"],
                condition=models.Q(choice__isnull=True),
                name="survey_answer_once_per_question",
            ),
            models.CheckConstraint(
                condition=models.Q(value__isnull=True) | models.Q(value__gte=1, value__lte=5),
                name="survey_answer_scale_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.response_id} · {self.question_id}"
