"""The community of practice: member profiles, the forum, watching, notifications and digests."""

from __future__ import annotations

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from iapt_platform.accounts import privacy
from iapt_platform.lib.downloads import name_for_type
from iapt_platform.lib.fields import WebAddressField
from iapt_platform.lib.storage import private_storage
from iapt_platform.lib.taxonomy.models import AbstractTopic


class Visibility(models.TextChoices):
    """Who sees a member's contact detail. Profiles and the directory are for members only, so
    "everyone" would mean the same as "members": it is not offered (values as in
    iapt_platform.accounts.privacy.Visibility)."""

    MEMBERS = privacy.Visibility.MEMBERS.value, _("Members only")
    HIDDEN = privacy.Visibility.HIDDEN.value, _("Nobody")


class EmailFrequency(models.TextChoices):
    IMMEDIATELY = "immediately", _("Immediately, one email per notification")
    DAILY = "daily", _("A daily digest")
    WEEKLY = "weekly", _("A weekly digest")
    NONE = "none", _("No email")


class Topic(AbstractTopic):
    """A subject members know about or want to learn about."""


def avatar_path(instance, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"community/avatars/{filename}"


class MemberProfile(models.Model):
    """What a member shows the other members; contact details each with its own visibility."""

    class OrganisationType(models.TextChoices):
        INITIATIVE = "initiative", _("Cluster or territorial initiative")
        PROGRAMME = "programme", _("National or regional programme")
        GOVERNMENT = "government", _("Government agency")
        ACADEMIA = "academia", _("University or research centre")
        FIRM = "firm", _("Firm")
        ASSOCIATION = "association", _("Chamber or business association")
        INTERNATIONAL = "international", _("International organisation")
        OTHER = "other", _("Other")

    LANGUAGES = [
        ("es", _("Spanish")),
        ("en", _("English")),
        ("pt", _("Portuguese")),
        ("fr", _("French")),
        ("nl", _("Dutch")),
        ("ht", _("Haitian Creole")),
        ("qu", _("Quechua")),
        ("gn", _("Guarani")),
    ]

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="member_profile"
    )
    handle = models.SlugField(
        _("handle"),
        max_length=40,
        unique=True,
        help_text=_("Others mention you in the forum with @ and this name."),
    )
    bio = models.TextField(_("about you"), blank=True, help_text=_("Markdown is accepted."))
    organisation_type = models.CharField(
        _("type of organisation"), max_length=20, choices=OrganisationType.choices, blank=True
    )
    initiative = models.ForeignKey(
        "initiatives.Initiative",
        verbose_name=_("initiative"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    programme = models.ForeignKey(
        "initiatives.Programme",
        verbose_name=_("programme"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    expertise = models.ManyToManyField(
        Topic, verbose_name=_("expertise"), blank=True, related_name="experts"
    )
    interests: models.ManyToManyField = models.ManyToManyField(
        Topic, verbose_name=_("interests"), blank=True, related_name="interested"
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    avatar = models.ImageField(_("picture"), upload_to=avatar_path, blank=True)
    email_visibility = models.CharField(
        _("who sees your email address"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    phone_visibility = models.CharField(
        _("who sees your phone"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.HIDDEN,
    )
    website = WebAddressField(_("website or LinkedIn"), max_length=300, blank=True)
    website_visibility = models.CharField(
        _("who sees your website"),
        max_length=10,
        choices=Visibility.choices,
        default=Visibility.MEMBERS,
    )
    email_frequency = models.CharField(
        _("forum emails"),
        max_length=12,
        choices=EmailFrequency.choices,
        default=EmailFrequency.IMMEDIATELY,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["handle"]
        verbose_name = _("member profile")
        verbose_name_plural = _("member profiles")

    def __str__(self) -> str:
        return f"@{self.handle}"

    def get_absolute_url(self) -> str:
        return reverse("community:member", args=[self.handle])

    def contact_fields(self) -> dict[str, privacy.ContactField]:
        """The member's details (read through iapt_platform.accounts.privacy)."""
        return {
            "email": privacy.ContactField(self.user.email, self.email_visibility),
            "phone": privacy.ContactField(self.phone, self.phone_visibility),
            "website": privacy.ContactField(self.website, self.website_visibility),
        }

    def contact_owner_ids(self) -> list[int]:
        return [self.user_id]

    def language_names(self) -> list[str]:
        names = dict(self.LANGUAGES)
        return [str(names.get(code, code)) for code in self.languages]


# --- Forum ----------------------------------------------------------------------------------------


class CategoryQuerySet(models.QuerySet):
    def visible_to(self, user) -> CategoryQuerySet:
        """Open categories, and private ones to their members and to moderators."""
        from iapt_platform.accounts import roles

        if not roles.has_role(user, roles.MEMBER) and not roles.is_moderator(user):
            return self.none()
        if roles.is_moderator(user):
            return self
        return self.filter(Q(is_private=False) | Q(members=user)).distinct()


class Category(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=120)
    description = models.TextField(_("description"), blank=True)
    order = models.PositiveSmallIntegerField(default=0)
    is_private = models.BooleanField(
        _("private working group"),
        default=False,
        help_text=_("Only the members chosen below (and moderators) can read and post."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("members of the working group"),
        blank=True,
        related_name="private_forum_categories",
    )

    objects = CategoryQuerySet.as_manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("forum category")
        verbose_name_plural = _("forum categories")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("community:category", args=[self.slug])


class Thread(models.Model):
    category = models.ForeignKey(
        Category, verbose_name=_("category"), on_delete=models.PROTECT, related_name="threads"
    )
    title = models.CharField(_("title"), max_length=200)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    is_question = models.BooleanField(
        _("this is a question"),
        default=False,
        help_text=_("You can then mark the reply that answered it."),
    )
    accepted_answer = models.ForeignKey(
        "Post", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    # False while the opening post of a new member waits for approval.
    is_published = models.BooleanField(default=True)
    pinned = models.BooleanField(_("pinned"), default=False)
    locked = models.BooleanField(_("locked"), default=False)
    hidden = models.BooleanField(_("hidden"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_posted_at = models.DateTimeField(null=True, blank=True)
    reply_count = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["-pinned", "-last_posted_at", "-id"]
        verbose_name = _("thread")
        verbose_name_plural = _("threads")
        indexes = [
            models.Index(fields=["category", "-pinned", "-last_posted_at"]),
            # The forum's recent threads (every category): read in order, never sorted whole.
            models.Index(fields=["-pinned", "-last_posted_at", "-id"], name="thread_recent"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("community:thread", args=[self.pk])


class Post(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for approval")
        PUBLISHED = "published", _("Published")
        REJECTED = "rejected", _("Rejected")

    thread = models.ForeignKey(Thread, on_delete=models.CASCADE, related_name="posts")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="forum_posts"
    )
    body = models.TextField(_("message"), help_text=_("Markdown is accepted."))
    # Posts keep the language they were written in (the author's language when posting).
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=settings.LANGUAGE_CODE
    )
    is_opening = models.BooleanField(default=False)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.PUBLISHED)
    hidden = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    # When members could first read it (approval time for a new member's post): digests use it.
    published_at = models.DateTimeField(null=True, blank=True)
    edited_at = models.DateTimeField(null=True, blank=True)
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    class Meta:
        ordering = ["created_at", "id"]
        verbose_name = _("post")
        verbose_name_plural = _("posts")
        indexes = [
            models.Index(fields=["thread", "created_at"]),
            models.Index(fields=["status", "published_at"]),
            models.Index(fields=["author", "status"]),
            # Threads whose opening post is hidden leave every list and search: a few rows,
            # read by each of them (selectors._opening_hidden) without scanning every post.
            models.Index(
                fields=["thread"],
                condition=Q(is_opening=True, hidden=True),
                name="post_opening_hidden",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.thread.title} #{self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("community:post", args=[self.pk])

    @property
    def is_visible(self) -> bool:
        return self.status == self.Status.PUBLISHED and not self.hidden


class PostRevision(models.Model):
    """The text a post had before an edit: the edit history shown under the post."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="revisions")
    body = models.TextField()
    editor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.post_id} @ {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename: str) -> str:
    return f"community/attachments/{filename}"


class Attachment(models.Model):
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path, storage=private_storage)
    kind = models.CharField(max_length=10)  # "image" or "pdf"
    mimetype = models.CharField(max_length=100)
    original_name = models.CharField(max_length=150)
    size = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.original_name

    def get_absolute_url(self) -> str:
        return reverse("community:attachment", args=[self.pk])

    @property
    def download_name(self) -> str:
        """The name the file is shown and downloaded under: the sender's, with the extension of
        what the file is (rows from before the rule may keep another)."""
        return name_for_type(self.original_name, self.mimetype)


class Reaction(models.Model):
    """A member found a post useful."""

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="reactions")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "post"], name="community_one_reaction")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.post_id}"


class Flag(models.Model):
    class Reason(models.TextChoices):
        SPAM = "spam", _("Spam or advertising")
        OFFENSIVE = "offensive", _("Offensive or abusive")
        OFF_TOPIC = "off_topic", _("Off topic")
        PRIVACY = "privacy", _("Shares someone's private information")
        OTHER = "other", _("Something else")

    class Status(models.TextChoices):
        OPEN = "open", _("Open")
        UPHELD = "upheld", _("Upheld: the post was hidden")
        DISMISSED = "dismissed", _("Dismissed: the post was restored")

    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="flags")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    comment = models.CharField(_("details"), max_length=500, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["user", "post"], name="community_one_flag")]

    def __str__(self) -> str:
        return f"{self.get_reason_display()} · {self.post_id}"


class ForumAction(models.Model):
    """The audit trail of moderators' actions in the forum: who, when, what and why."""

    class Action(models.TextChoices):
        HIDE_POST = "hide_post", _("Hid a post")
        RESTORE_POST = "restore_post", _("Restored a post")
        AUTO_HIDE = "auto_hide", _("Post hidden after three flags")
        APPROVE_POST = "approve_post", _("Approved a new member's post")
        REJECT_POST = "reject_post", _("Rejected a new member's post")
        HIDE_THREAD = "hide_thread", _("Hid a thread")
        RESTORE_THREAD = "restore_thread", _("Restored a thread")
        LOCK = "lock", _("Locked a thread")
        UNLOCK = "unlock", _("Unlocked a thread")
        PIN = "pin", _("Pinned a thread")
        UNPIN = "unpin", _("Unpinned a thread")
        MOVE = "move", _("Moved a thread")
        SPLIT = "split", _("Split a thread")

    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    action = models.CharField(max_length=20, choices=Action.choices)
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.SET_NULL, related_name="actions"
    )
    post = models.ForeignKey(
        Post, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    details = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("forum moderation action")
        verbose_name_plural = _("forum moderation actions")

    def __str__(self) -> str:
        return self.get_action_display()


# --- Watching, notifications, digests --------------------------------------------------------------


class Watch(models.Model):
    """A member follows a thread or a whole category."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_watches"
    )
    thread = models.ForeignKey(
        Thread, null=True, blank=True, on_delete=models.CASCADE, related_name="watches"
    )
    category = models.ForeignKey(
        Category, null=True, blank=True, on_delete=models.CASCADE, related_name="watches"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(thread__isnull=False, category__isnull=True)
                | Q(thread__isnull=True, category__isnull=False),
                name="community_watch_one_target",
            ),
            models.UniqueConstraint(
                fields=["user", "thread"],
                condition=Q(thread__isnull=False),
                name="community_watch_thread_once",
            ),
            models.UniqueConstraint(
                fields=["user", "category"],
                condition=Q(category__isnull=False),
                name="community_watch_category_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} → {self.thread_id or self.category_id}"


class Notification(models.Model):
    class Kind(models.TextChoices):
        MENTION = "mention", _("mentioned you")
        REPLY = "reply", _("replied in a thread you watch")
        NEW_THREAD = "new_thread", _("started a thread in a category you watch")
        ACCEPTED = "accepted", _("accepted your answer")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="forum_notifications"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    post = models.ForeignKey(Post, on_delete=models.CASCADE, related_name="notifications")
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # Set once the notification went out by email, so that a retried task sends it once.
    emailed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"]),
            # The sweep of emails not sent (a broker and a mail server away at once).
            models.Index(
                fields=["created_at"],
                name="community_notify_unemailed",
                condition=models.Q(emailed_at__isnull=True),
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["recipient", "post", "kind"], name="community_notify_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.post_id}"


class Digest(models.Model):
    """One member's digest for one period; the unique row makes a second run send nothing."""

    class Kind(models.TextChoices):
        DAILY = "daily", _("Daily")
        WEEKLY = "weekly", _("Weekly")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    period_start = models.DateTimeField()
    period_end = models.DateTimeField()
    item_count = models.PositiveIntegerField(default=0)
    sent = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-period_start"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "period_start"], name="community_one_digest_per_period"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.period_start:%Y-%m-%d} · {self.user_id}"
