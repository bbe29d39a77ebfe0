"""The community's agenda: rounds of proposals, members' supports, official answers and the
agenda items that accepted proposals become (issue 20)."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.regions import RegionCountries
from iapt_platform.lib.taxonomy.models import AbstractTopic


class LineOfWork(AbstractTopic):
    """One of the community's lines of work (information strategy, community of practice, joint
    projects in the digital economy): a taxonomy, the set seeded as data."""

    class Meta(AbstractTopic.Meta):
        verbose_name = _("line of work")
        verbose_name_plural = _("lines of work")


class Phase(models.TextChoices):
    UPCOMING = "upcoming", _("Opens soon")
    PROPOSALS = "proposals", _("Receiving proposals")
    WAITING = "waiting", _("Prioritising opens soon")
    PRIORITISING = "prioritising", _("Prioritising")
    CLOSED = "closed", _("Prioritising closed")


class Round(models.Model):  # type: ignore[django-manager-missing]
    """A round of the agenda: members propose in one period and prioritise in the next."""

    slug = models.SlugField(unique=True, max_length=140)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, help_text=_("Markdown."))
    lines_of_work = models.ManyToManyField(
        LineOfWork, verbose_name=_("lines of work"), related_name="rounds"
    )
    proposals_open_at = models.DateTimeField(_("proposals open"))
    proposals_close_at = models.DateTimeField(_("proposals close"))
    prioritising_open_at = models.DateTimeField(_("prioritising opens"))
    prioritising_close_at = models.DateTimeField(_("prioritising closes"))
    supports_per_member = models.PositiveSmallIntegerField(
        _("supports per member"),
        default=5,
        help_text=_("How many proposals each member may support, one support per proposal."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-proposals_open_at", "-id"]
        verbose_name = _("agenda round")
        verbose_name_plural = _("agenda rounds")
        constraints = [
            models.CheckConstraint(
                condition=Q(proposals_close_at__gt=F("proposals_open_at")),
                name="agenda_round_proposals_period",
            ),
            models.CheckConstraint(
                condition=Q(prioritising_close_at__gt=F("prioritising_open_at")),
                name="agenda_round_prioritising_period",
            ),
            models.CheckConstraint(
                condition=Q(prioritising_open_at__gte=F("proposals_open_at")),
                name="agenda_round_prioritising_after_proposals",
            ),
            models.CheckConstraint(
                condition=Q(supports_per_member__gte=1), name="agenda_round_some_supports"
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agenda:round", args=[self.slug])

    def phase(self, now: datetime | None = None) -> str:
        now = now or timezone.now()
        if now >= self.prioritising_close_at:
            return Phase.CLOSED
        if now >= self.prioritising_open_at:
            return Phase.PRIORITISING
        if self.proposals_open_at <= now < self.proposals_close_at:
            return Phase.PROPOSALS
        if now < self.proposals_open_at:
            return Phase.UPCOMING
        return Phase.WAITING

    @property
    def phase_label(self) -> str:
        return str(Phase(self.phase()).label)

    def accepts_proposals(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.proposals_open_at <= now < self.proposals_close_at

    def is_prioritising(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.prioritising_open_at <= now < self.prioritising_close_at

    def counts_public(self, now: datetime | None = None) -> bool:
        """Counts are shown only once prioritising has ended, so that the first proposals do
        not snowball."""
        return (now or timezone.now()) >= self.prioritising_close_at


class ProposalQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Proposal.Status.PUBLISHED)

    def public(self):
        """What a visitor sees on a round's page: published, and withdrawn ones (marked)."""
        return self.filter(status__in=[Proposal.Status.PUBLISHED, Proposal.Status.WITHDRAWN])


class Answer(models.TextChoices):
    ACCEPTED = "accepted", _("Accepted")
    EVALUATING = "evaluating", _("Being evaluated")
    NOT_ACCEPTED = "not_accepted", _("Not accepted")


class Proposal(models.Model):  # type: ignore[django-manager-missing]
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    round = models.ForeignKey(
        Round, verbose_name=_("round"), on_delete=models.CASCADE, related_name="proposals"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(
        _("description"), help_text=_("What should the community do, and why? Markdown.")
    )
    # User content keeps the language it was written in (the author's when proposing).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    line_of_work = models.ForeignKey(
        LineOfWork, verbose_name=_("line of work"), on_delete=models.PROTECT, related_name="+"
    )
    countries = CountryField(_("countries"), countries=RegionCountries, multiple=True, blank=True)
    topics = models.ManyToManyField(
        "community.Topic", verbose_name=_("topics"), blank=True, related_name="+"
    )
    initiatives: models.ManyToManyField = models.ManyToManyField(
        "initiatives.Initiative",
        verbose_name=_("related initiatives"),
        blank=True,
        related_name="+",
    )
    resources: models.ManyToManyField = models.ManyToManyField(
        "library.Resource", verbose_name=_("related resources"), blank=True, related_name="+"
    )
    threads: models.ManyToManyField = models.ManyToManyField(
        "community.Thread", verbose_name=_("related forum threads"), blank=True, related_name="+"
    )
    # Members comment in the forum: each proposal owns a thread of the agenda's category.
    discussion = models.OneToOneField(
        "community.Thread", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    answer = models.CharField(_("answer"), max_length=14, choices=Answer.choices, blank=True)
    answer_reason = models.TextField(_("reason"), blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    published_at = models.DateTimeField(null=True, blank=True)

    objects = ProposalQuerySet.as_manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("proposal")
        verbose_name_plural = _("proposals")
        indexes = [models.Index(fields=["round", "status"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agenda:proposal", args=[self.pk])


class Ballot(models.Model):
    """One member's set of supports in one round. Its row is locked while a support is added,
    so that two requests at once cannot pass the round's allowance."""

    round = models.ForeignKey(Round, on_delete=models.CASCADE, related_name="ballots")
    # None once the member closed their account after the round: the supports still count.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # The member's profile country when they last supported: the results' breakdown.
    country = models.CharField(max_length=2, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["round", "user"], name="agenda_one_ballot_per_member")
        ]

    def __str__(self) -> str:
        return f"{self.round_id} · {self.user_id}"


class Support(models.Model):
    ballot = models.ForeignKey(Ballot, on_delete=models.CASCADE, related_name="supports")
    proposal = models.ForeignKey(Proposal, on_delete=models.CASCADE, related_name="supports")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ballot", "proposal"], name="agenda_one_support_per_proposal"
            )
        ]

    def __str__(self) -> str:
        return f"{self.ballot_id} → {self.proposal_id}"


class AgendaItem(models.Model):  # type: ignore[django-manager-missing]
    """What an accepted proposal became: someone responsible, a date, a status and progress."""

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        IN_PROGRESS = "in_progress", _("In progress")
        DONE = "done", _("Done")
        ON_HOLD = "on_hold", _("On hold")

    proposal = models.OneToOneField(
        Proposal, null=True, blank=True, on_delete=models.SET_NULL, related_name="agenda_item"
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(_("year"))
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_date = models.DateField(_("target date"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.PLANNED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    # What realised it: community imports initiatives and library (STYLE.md's arrows).
    meetings = models.ManyToManyField(
        "meetings.Meeting", verbose_name=_("meetings"), blank=True, related_name="+"
    )
    resources: models.ManyToManyField = models.ManyToManyField(
        "library.Resource", verbose_name=_("resources"), blank=True, related_name="+"
    )
    stories: models.ManyToManyField = models.ManyToManyField(
        "stories.Story", verbose_name=_("success stories"), blank=True, related_name="+"
    )
    projects: models.ManyToManyField = models.ManyToManyField(
        "matchmaking.Project", verbose_name=_("joint projects"), blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["target_date", "id"]
        verbose_name = _("agenda item")
        verbose_name_plural = _("agenda items")
        constraints = [
            models.CheckConstraint(
                condition=Q(progress__lte=100), name="agenda_item_progress_percentage"
            )
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("agenda:item", args=[self.pk])


class AgendaUpdate(models.Model):  # type: ignore[django-manager-missing]
    """News of an agenda item over time, written by staff in three languages."""

    item = models.ForeignKey(AgendaItem, on_delete=models.CASCADE, related_name="updates")
    body = models.TextField(_("update"), help_text=_("Markdown."))
    status = models.CharField(max_length=12, choices=AgendaItem.Status.choices)
    progress = models.PositiveSmallIntegerField(default=0)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("agenda update")
        verbose_name_plural = _("agenda updates")

    def __str__(self) -> str:
        return str(self.item)

    def get_absolute_url(self) -> str:
        return reverse("agenda:item", args=[self.item_id]) + f"#update-{self.pk}"
