"""Offers and needs between initiatives, the suggestions computed from them, the connections that
follow, and the joint projects they lead to."""

from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.regions import RegionCountries
from iapt_platform.lib.taxonomy.models import AbstractTopic
from initiatives.models import Initiative, Sector


class Topic(AbstractTopic):
    """A subject of collaboration; the digital-economy ones are flagged for the funnel."""

    digital = models.BooleanField(_("digital economy"), default=False)


class Kind(models.TextChoices):
    TECHNOLOGY = "technology", _("Technology")
    TRAINING = "training", _("Training")
    MARKET_ACCESS = "market_access", _("Market access")
    INVESTMENT = "investment", _("Investment")
    RESEARCH_PARTNER = "research_partner", _("Research partner")
    JOINT_PROJECT_PARTNER = "joint_project_partner", _("Joint project partner")
    SUPPLIER = "supplier", _("Supplier")


class Submitted(models.Model):
    """What a promoter submits and staff review (offers and needs, joint projects): who wrote it,
    when, and when it first went public."""

    created_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    # Any change (status included) moves updated_at: the suggestions task recomputes from it.
    updated_at = models.DateTimeField(auto_now=True)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["-published_at", "-created_at"]


class PostQuerySet(models.QuerySet):
    def live(self):
        """Published, not expired, of a published initiative: what the public sees."""
        return self.filter(
            status=CollaborationPost.Status.PUBLISHED,
            expires_at__gt=timezone.now(),
            initiative__status=Initiative.Status.PUBLISHED,
            initiative__revision_of=None,
        )


class CollaborationPost(Submitted):
    """What an initiative offers to others, or what it seeks from them."""

    class Direction(models.TextChoices):
        OFFER = "offer", _("Offer")
        NEED = "need", _("Need")

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="collaboration_posts"
    )
    direction = models.CharField(_("offer or need"), max_length=5, choices=Direction.choices)
    kind = models.CharField(_("kind"), max_length=30, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=160)
    text = models.TextField(_("description"), max_length=5000)
    text_language = models.CharField(_("language of the text"), max_length=8, default="es")
    topics = models.ManyToManyField(Topic, related_name="posts", verbose_name=_("topics"))
    sectors: models.ManyToManyField = models.ManyToManyField(
        Sector, blank=True, related_name="collaboration_posts", verbose_name=_("sectors")
    )
    countries = CountryField(
        _("countries of interest"), countries=RegionCountries, multiple=True, blank=True
    )
    expires_at = models.DateTimeField(_("expires"))
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW
    )
    # The one search (site_search.py): normalised words, and their vector on PostgreSQL.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = PostQuerySet.as_manager()

    class Meta(Submitted.Meta):
        verbose_name = _("offer or need")
        verbose_name_plural = _("offers and needs")
        indexes = [
            models.Index(fields=["status", "direction", "kind", "expires_at"]),
            models.Index(fields=["updated_at"]),
            models.Index(fields=["expires_at"]),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matchmaking:post", args=[self.pk])

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def is_live(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.is_expired


class Suggestion(models.Model):
    """`other` is worth contacting for `initiative`; written by the suggestions task only.

    `reasons` is a list of small dicts (see scoring.py) turned into words in the reader's language.
    `valid_until` is the earliest expiry among the posts behind the score: past it, the row is hidden
    until the task recomputes it, so an expired offer never shows.
    """

    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="collaboration_suggestions"
    )
    other = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    score = models.SmallIntegerField()
    reasons = models.JSONField(default=list)
    valid_until = models.DateTimeField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-score", "other__name"]
        constraints = [
            models.UniqueConstraint(fields=["initiative", "other"], name="one_suggestion_per_pair")
        ]
        indexes = [models.Index(fields=["initiative", "-score"])]

    def __str__(self) -> str:
        return f"{self.initiative} → {self.other} ({self.score})"


class SuggestionRun(models.Model):
    """One run of the suggestions task: the next incremental run starts from `started_at`."""

    started_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    full = models.BooleanField(default=False)
    initiatives = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-started_at"]

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M} ({self.initiatives})"


class Connection(models.Model):
    """A manager of one initiative wrote to another; contacts are shared only once it accepts."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for an answer")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    class Stage(models.TextChoices):
        NONE = "", _("Not yet in touch")
        CONTACTED = "contacted", _("Contacted")
        MET = "met", _("Met")
        AGREEMENT = "agreement", _("Agreement signed")
        JOINT_PROJECT = "joint_project", _("Joint project")

    STAGE_ORDER = ["", "contacted", "met", "agreement", "joint_project"]
    OPEN_STATUSES = (Status.PENDING, Status.ACCEPTED)

    from_initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="connections_sent"
    )
    to_initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="connections_received"
    )
    post = models.ForeignKey(
        CollaborationPost,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="connections",
        verbose_name=_("about"),
    )
    # The topics behind the connection (its post's, or those the two sides match on), for staff's
    # funnel by topic.
    topics = models.ManyToManyField(Topic, blank=True, related_name="connections")
    sent_by = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), max_length=3000)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    stage = models.CharField(
        _("outcome"), max_length=20, choices=Stage.choices, default=Stage.NONE, blank=True
    )
    contacted_at = models.DateTimeField(null=True, blank=True)
    met_at = models.DateTimeField(null=True, blank=True)
    agreement_at = models.DateTimeField(null=True, blank=True)
    joint_project_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("connection")
        verbose_name_plural = _("connections")
        constraints = [
            models.UniqueConstraint(
                fields=["from_initiative", "to_initiative"],
                condition=Q(status__in=["pending", "accepted"]),
                name="one_open_connection_per_pair",
            ),
            models.CheckConstraint(
                condition=~Q(from_initiative=models.F("to_initiative")),
                name="connection_not_to_itself",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.from_initiative} → {self.to_initiative}"

    def get_absolute_url(self) -> str:
        return reverse("matchmaking:connection", args=[self.pk])

    def stage_reached(self, stage: str) -> bool:
        return self.STAGE_ORDER.index(self.stage) >= self.STAGE_ORDER.index(stage)


class ProjectQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Project.Status.PUBLISHED)


# Meetings (translated by modeltranslation, whose manager the stubs cannot see) point here.
class Project(Submitted):  # type: ignore[django-manager-missing]
    """A joint project of several initiatives; partners appear once both sides have agreed."""

    class Stage(models.TextChoices):
        IDEA = "idea", _("Idea")
        CONSORTIUM = "consortium", _("Consortium forming")
        PROPOSAL = "proposal", _("Proposal submitted")
        FUNDED = "funded", _("Funded")
        IN_PROGRESS = "in_progress", _("In progress")
        FINISHED = "finished", _("Finished")

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    FORMING = (Stage.IDEA, Stage.CONSORTIUM)
    # Fields an edit changes; on a published project they wait in `pending_changes` for review.
    EDITABLE = ("title", "summary", "call_to_join", "results")

    slug = models.SlugField(unique=True, max_length=180)
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=6000)
    text_language = models.CharField(_("language of the text"), max_length=8, default="es")
    stage = models.CharField(_("stage"), max_length=20, choices=Stage.choices, default=Stage.IDEA)
    topics = models.ManyToManyField(Topic, related_name="projects", verbose_name=_("topics"))
    countries = CountryField(_("countries"), countries=RegionCountries, multiple=True, blank=True)
    call_to_join = models.TextField(
        _("call to join"),
        max_length=3000,
        blank=True,
        help_text=_("Whom you are looking for, shown while the consortium is forming."),
    )
    results = models.TextField(_("results"), max_length=6000, blank=True)
    pending_changes = models.JSONField(default=dict, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW
    )
    connection = models.ForeignKey(
        Connection, null=True, blank=True, on_delete=models.SET_NULL, related_name="projects"
    )
    # The one search (site_search.py): normalised words, and their vector on PostgreSQL.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    objects = ProjectQuerySet.as_manager()

    class Meta(Submitted.Meta):
        verbose_name = _("joint project")
        verbose_name_plural = _("joint projects")
        indexes = [models.Index(fields=["status", "stage"])]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("matchmaking:project", args=[self.slug])

    @property
    def is_forming(self) -> bool:
        return self.stage in self.FORMING


class ProjectPartner(models.Model):
    """An initiative in a project. Active only when `confirmed` (its own managers said yes) and
    `accepted` (the consortium said yes): an invitation starts accepted, a request to join starts
    confirmed."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="partners")
    initiative = models.ForeignKey(
        Initiative, on_delete=models.CASCADE, related_name="project_partnerships"
    )
    confirmed = models.BooleanField(default=False)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    confirmed_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    accepted = models.BooleanField(default=False)
    added_by = models.ForeignKey(
        "accounts.User", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    message = models.TextField(_("message"), max_length=2000, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["project", "initiative"], name="one_partner_row")
        ]
        indexes = [models.Index(fields=["initiative", "confirmed", "accepted"])]

    def __str__(self) -> str:
        return f"{self.initiative} in {self.project}"

    @property
    def is_active(self) -> bool:
        return self.confirmed and self.accepted


class ProjectUpdate(models.Model):
    """News of a project posted by a partner; public once staff approve it."""

    class Status(models.TextChoices):
        IN_REVIEW = "in_review", _("In review")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="updates")
    initiative = models.ForeignKey(Initiative, on_delete=models.CASCADE, related_name="+")
    author = models.ForeignKey(
        "accounts.User", null=True, on_delete=models.SET_NULL, related_name="+"
    )
    text = models.TextField(_("update"), max_length=5000)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.IN_REVIEW
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.project}: {self.created_at:%Y-%m-%d}"
