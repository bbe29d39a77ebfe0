"""The bulletin: subscribers and their consent, member contributions, issues with an edition per
language and their blocks, and one delivery row per issue and subscriber."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.fields import WebAddressField
from iapt_platform.lib.taxonomy.models import AbstractTopic


class Topic(AbstractTopic):
    """A subject subscribers choose to hear about."""

    class Meta(AbstractTopic.Meta):
        # By slug among equal orders, as the preferences page has always listed them.
        ordering = ["order", "slug"]
        verbose_name = _("bulletin topic")
        verbose_name_plural = _("bulletin topics")


class SubscriberQuerySet(models.QuerySet):
    def confirmed(self):
        return self.filter(status=Subscriber.Status.CONFIRMED)


class Subscriber(models.Model):
    """Someone who asked for the bulletin, with or without an account, and what they agreed to."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        CONFIRMED = "confirmed", _("Subscribed")
        PAUSED = "paused", _("Paused")
        UNSUBSCRIBED = "unsubscribed", _("Unsubscribed")

    class Source(models.TextChoices):
        FORM = "form", _("Subscription form")
        IMPORT = "import", _("Staff import")
        ACCOUNT = "account", _("Member account")

    # Stored in lower case (see services.normalise_email); the constraint holds it anyway.
    email = models.EmailField(_("email"), max_length=254)
    name = models.CharField(_("name"), max_length=120, blank=True)
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    topics = models.ManyToManyField(
        Topic, blank=True, related_name="subscribers", verbose_name=_("topics")
    )
    country = CountryField(_("country"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="bulletin_subscription",
    )
    # Consent: when, the exact text version they agreed to, from where, and (optionally) the IP.
    consent_at = models.DateTimeField(_("consent given at"), null=True, blank=True)
    consent_text_version = models.CharField(_("consent text version"), max_length=40, blank=True)
    consent_source = models.CharField(
        _("consent source"), max_length=10, choices=Source.choices, default=Source.FORM
    )
    consent_source_detail = models.CharField(_("consent given through"), max_length=300, blank=True)
    consent_ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    # The privacy notice's version in force when they asked (iapt_platform/pages).
    privacy_notice_version = models.PositiveIntegerField(
        _("privacy notice version"), null=True, blank=True
    )
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    unsubscribed_at = models.DateTimeField(_("unsubscribed at"), null=True, blank=True)
    # "bounced", "complained" or "rejected" when the address was suppressed by a webhook.
    suppressed_reason = models.CharField(_("suppressed because"), max_length=20, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SubscriberQuerySet.as_manager()

    class Meta:
        ordering = ["email"]
        verbose_name = _("subscriber")
        verbose_name_plural = _("subscribers")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="newsletter_subscriber_email_ci"),
        ]
        indexes = [models.Index(fields=["status", "language"], name="newsletter_sub_status_lang")]

    def __str__(self) -> str:
        return self.email


class Contribution(models.Model):
    """An item a member or promoter proposes for the next bulletin; staff accept it first."""

    class Kind(models.TextChoices):
        NEWS = "news", _("News of an initiative")
        EVENT = "event", _("Event")
        CALL = "call", _("Call or opportunity")
        RESOURCE = "resource", _("Resource")

    class Status(models.TextChoices):
        PENDING = "pending", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted")
        REJECTED = "rejected", _("Not accepted")

    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="bulletin_contributions",
        verbose_name=_("proposed by"),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("text"), help_text=_("Markdown: **bold**, *italic*, [link](https://…).")
    )
    link_url = WebAddressField(_("link"), blank=True, max_length=300)
    language = models.CharField(
        _("language of the text"), max_length=8, choices=settings.LANGUAGES, default="es"
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("initiative"),
    )
    event_date = models.DateField(_("date or deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    moderator_comment = models.TextField(_("comment from staff"), blank=True)
    used_in = models.ForeignKey(
        "Issue", null=True, blank=True, on_delete=models.SET_NULL, related_name="contributions"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulletin contribution")
        verbose_name_plural = _("bulletin contributions")
        indexes = [models.Index(fields=["status", "used_in"], name="newsletter_contrib_status")]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("newsletter:contribution", args=[self.pk])


class Issue(models.Model):
    """One bulletin: an edition per language, blocks, a segment and a send time."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SCHEDULED = "scheduled", _("Scheduled")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        CANCELLED = "cancelled", _("Cancelled")

    EDITABLE = (Status.DRAFT, Status.SCHEDULED)

    number = models.PositiveIntegerField(_("number"), unique=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.DRAFT
    )
    scheduled_at = models.DateTimeField(_("send at"), null=True, blank=True)
    # An empty segment list means "everyone": every language with an edition, every country...
    segment_languages = models.JSONField(_("languages"), default=list, blank=True)
    segment_countries = models.JSONField(_("countries"), default=list, blank=True)
    segment_topics = models.ManyToManyField(
        Topic, blank=True, related_name="+", verbose_name=_("topics")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    send_started_at = models.DateTimeField(null=True, blank=True)
    # When chunk tasks were last queued: the sweeper re-queues an issue that stopped moving.
    enqueued_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        ordering = ["-number"]
        verbose_name = _("bulletin issue")
        verbose_name_plural = _("bulletin issues")
        indexes = [models.Index(fields=["status", "scheduled_at"], name="newsletter_issue_due")]

    def __str__(self) -> str:
        return f"#{self.number}"

    @property
    def is_editable(self) -> bool:
        return self.status in self.EDITABLE


class Edition(models.Model):
    """An issue in one language. The rendered parts are frozen when the send starts."""

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="editions")
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    subject = models.CharField(_("subject"), max_length=200)
    preheader = models.CharField(
        _("preheader"),
        max_length=200,
        blank=True,
        help_text=_("The line that mail programs show after the subject."),
    )
    rendered_subject = models.CharField(max_length=250, blank=True, editable=False)
    rendered_html = models.TextField(blank=True, editable=False)
    rendered_text = models.TextField(blank=True, editable=False)
    # People who left through this edition's unsubscribe link: a count, not a list of them.
    unsubscribes = models.PositiveIntegerField(default=0, editable=False)
    # The one search (site_search.py): the words of the edition as sent (frozen with the send).
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["issue", "language"]
        verbose_name = _("edition")
        verbose_name_plural = _("editions")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "language"], name="newsletter_one_edition_per_language"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issue} ({self.language})"

    def get_absolute_url(self) -> str:
        # An edition's page is in its own language (lib/languages.py: /en/bulletin/issues/3/en/).
        with translation.override(self.language):
            return reverse("newsletter:issue", args=[self.issue.number, self.language])


class Block(models.Model):
    """A piece of an issue. Its text exists per language: content = {"es": {"title", "body",
    "image_alt"}, "en": {...}}; bodies are Markdown, rendered through the one sanitiser."""

    class Kind(models.TextChoices):
        INTRO = "intro", _("Introduction")
        FEATURED_STORY = "featured_story", _("Featured story")
        NEWS = "news", _("News")
        MEETINGS = "meetings", _("Upcoming meetings")
        INITIATIVES = "initiatives", _("New initiatives")
        RESOURCES = "resources", _("New resources")
        CONTRIBUTION = "contribution", _("Member contribution")
        CALL = "call", _("Call for proposals")
        FREE = "free", _("Free text")

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="blocks")
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.FREE)
    order = models.PositiveIntegerField(default=0)
    content = models.JSONField(default=dict, blank=True)
    link_url = WebAddressField(_("link"), blank=True, max_length=300)
    image_url = models.CharField(_("image address"), max_length=300, blank=True)
    # The language the text was written in, when it exists in that one only (member content).
    original_language = models.CharField(max_length=8, blank=True)
    # "<source>:<key>" for blocks added by "fill from the platform": never added twice.
    source_key = models.CharField(max_length=120, blank=True)
    contribution = models.ForeignKey(
        Contribution, null=True, blank=True, on_delete=models.SET_NULL, related_name="blocks"
    )

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("block")
        verbose_name_plural = _("blocks")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "source_key"],
                condition=~Q(source_key=""),
                name="newsletter_block_source_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.issue})"

    def text(self, language: str) -> dict[str, str]:
        """The block's text in `language`, else in the language it was written in, else empty."""
        content = self.content or {}
        chosen = content.get(language) or content.get(self.original_language) or {}
        return {
            "title": chosen.get("title", ""),
            "body": chosen.get("body", ""),
            "image_alt": chosen.get("image_alt", ""),
        }


class Delivery(models.Model):
    """One issue to one subscriber. Created in bulk when the send starts; never twice."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        # The subscriber left (or was suppressed) between the start of the send and their turn.
        SKIPPED = "skipped", _("Skipped")

    # No index of its own: the unique constraint and the indexes below all start with the issue,
    # and each index costs every row write of a send (insert, claim, "sent").
    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="deliveries", db_index=False
    )
    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="deliveries")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    last_error = models.CharField(max_length=500, blank=True)
    message_id = models.CharField(max_length=200, blank=True)
    # The edition that went out (set with "sent"): results per edition count by it.
    language = models.CharField(max_length=8, blank=True, default="")
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("delivery")
        verbose_name_plural = _("deliveries")
        constraints = [
            models.UniqueConstraint(
                fields=["issue", "subscriber"], name="newsletter_one_delivery_per_subscriber"
            )
        ]
        indexes = [
            # A chunk claims its pending rows by id range: with the id in the index that is one
            # range scan, whatever the statistics know of a brand-new issue (with (issue, status)
            # alone the planner walked every pending row of the issue, for every chunk).
            models.Index(fields=["issue", "status", "id"], name="newsletter_delivery_claim"),
            # The sweeper asks when an issue last claimed rows (max(claimed_at) per issue).
            models.Index(fields=["issue", "claimed_at"], name="newsletter_delivery_claimed"),
        ]

    def __str__(self) -> str:
        return f"{self.issue} → {self.subscriber_id}"


class EditionLink(models.Model):
    """A link of a sent edition and how often it was followed: one aggregate counter per link,
    nothing about who followed it (newsletter/links.py rewrites the links and counts)."""

    edition = models.ForeignKey(Edition, on_delete=models.CASCADE, related_name="links")
    url = models.CharField(max_length=2000)
    position = models.PositiveIntegerField(default=0)  # order of first appearance in the email
    clicks = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["edition", "position", "id"]
        verbose_name = _("bulletin link")
        verbose_name_plural = _("bulletin links")
        constraints = [
            models.UniqueConstraint(fields=["edition", "url"], name="newsletter_link_once")
        ]

    def __str__(self) -> str:
        return self.url


class MailEvent(models.Model):
    """A bounce, complaint or refusal the mail provider reported for a subscriber's address, with
    the issue last sent to them (the one it most likely concerns). The address is read through
    the subscriber: when the subscriber row is erased, the count stays without the person."""

    class Kind(models.TextChoices):
        BOUNCED = "bounced", _("Bounced")
        COMPLAINED = "complained", _("Marked as spam")
        REJECTED = "rejected", _("Refused by the provider")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    subscriber = models.ForeignKey(
        Subscriber, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    issue = models.ForeignKey(
        Issue, null=True, blank=True, on_delete=models.CASCADE, related_name="mail_events"
    )
    language = models.CharField(max_length=8, blank=True)  # the edition the issue went out in
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    occurred_at = models.DateTimeField(_("reported at"))

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("bounce or complaint")
        verbose_name_plural = _("bounces and complaints")
        indexes = [models.Index(fields=["issue", "kind"], name="newsletter_event_issue")]

    def __str__(self) -> str:
        return f"{self.kind} ({self.issue_id})"


class MeetingAnnouncement(models.Model):
    """A meeting announced to a subscriber (staff's option when publishing): once per person."""

    subscriber = models.ForeignKey(Subscriber, on_delete=models.CASCADE, related_name="+")
    meeting = models.ForeignKey("meetings.Meeting", on_delete=models.CASCADE, related_name="+")
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subscriber", "meeting"], name="announce_meeting_once")
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id} → {self.subscriber_id}"


class SubscriberImport(models.Model):
    """A staff upload of subscribers, checked first (the dry run) and then imported in the
    background. The row is the job's whole state: the file, the counts, where the run has got to
    and which worker holds it, so a reload shows the progress and a dead worker's run resumes."""

    class Status(models.TextChoices):
        CHECKING = "checking", _("Checking the file")
        CHECKED = "checked", _("Checked, waiting for your go-ahead")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    file_name = models.CharField(max_length=200, blank=True)
    # The cleaned CSV (UTF-8 text, size-capped by the form): every worker reads it from here.
    text = models.TextField()
    consent_source = models.CharField(max_length=300, blank=True)
    consent_documented = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.CHECKING)
    total_rows = models.PositiveIntegerField(default=0)
    # The dry run's figures, and its refused lines: [[line, email, reason], ...].
    dry_added = models.PositiveIntegerField(default=0)
    dry_updated = models.PositiveIntegerField(default=0)
    dry_unchanged = models.PositiveIntegerField(default=0)
    dry_refused = models.PositiveIntegerField(default=0)
    dry_refused_lines = models.JSONField(default=list, blank=True)
    # The real run's figures, saved with each chunk in the chunk's transaction.
    added = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    refused = models.PositiveIntegerField(default=0)
    refused_lines = models.JSONField(default=list, blank=True)
    rows_done = models.PositiveIntegerField(default=0)  # data rows of the file handled so far
    # The worker that holds the run, until when; a run whose lease ran out is taken over.
    claim_token = models.CharField(max_length=32, blank=True)
    claimed_until = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("subscriber import")
        verbose_name_plural = _("subscriber imports")
        indexes = [models.Index(fields=["status", "claimed_until"], name="newsletter_import_due")]

    def __str__(self) -> str:
        return f"{self.file_name or self.pk} ({self.status})"

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        return int(100 * self.rows_done / self.total_rows) if self.total_rows else 0

    @property
    def is_working(self) -> bool:
        return self.status in (self.Status.CHECKING, self.Status.IMPORTING)
