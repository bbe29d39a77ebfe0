"""Success stories, interviews, video stories and news, written by staff in three languages, and the
proposals of members that may become one.

A story is public when its status is published and its publication date has come: scheduling is a
date in the future, and needs no background job to take effect.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.files.base import File
from django.db import models
from django.db.models.fields.files import ImageFieldFile
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField

from iapt_platform.lib.regions import RegionCountries
from iapt_platform.lib.taxonomy.models import AbstractTopic
from iapt_platform.lib.translated import LANGUAGE_CODES, SOURCE_LANGUAGE, localized

from . import video


class Topic(AbstractTopic):
    """A subject the community asked to share (financing clusters, training directors, ...)."""

    class Meta(AbstractTopic.Meta):
        # By slug among equal orders, as the stories pages have always listed them.
        ordering = ["order", "slug"]


class StoryQuerySet(models.QuerySet):
    def public(self, *, now=None):
        return self.filter(status=Story.Status.PUBLISHED, published_at__lte=now or timezone.now())

    def scheduled(self, *, now=None):
        return self.filter(status=Story.Status.PUBLISHED, published_at__gt=now or timezone.now())


StoryManager = models.Manager.from_queryset(StoryQuerySet)


class _StoredSizeImageFieldFile(ImageFieldFile):
    def _set_instance_attribute(self, name: str, content: Any) -> None:
        # Django reads the size from the saved content only when it has a name (a ContentFile
        # has none): give it the stored one, so the size is not read back from storage.
        if not getattr(content, "name", None):
            content = File(content, name=name)
        super()._set_instance_attribute(name, content)  # type: ignore[misc]  # not in the stubs


class StoredSizeImageField(models.ImageField):
    """An ImageField whose width and height fields are only filled when a file is assigned.

    Django's own fills empty size fields on every load of a row by opening the file (a storage
    read per instance, and FileNotFoundError when the file is gone); here a row whose size is
    unknown simply stays so, and a file that cannot be read leaves the size empty.
    """

    attr_class = _StoredSizeImageFieldFile

    def update_dimension_fields(
        self, instance: Any, force: bool = False, *args: Any, **kwargs: Any
    ) -> None:
        if not force:
            return
        try:
            super().update_dimension_fields(instance, force, *args, **kwargs)
        except (OSError, ValueError):
            for size_field in (
                getattr(self, "width_field", None),
                getattr(self, "height_field", None),
            ):
                if size_field:
                    setattr(instance, size_field, None)


def hero_path(instance, filename: str) -> str:
    # The upload validator has already renamed the file: only our own names reach storage.
    return f"stories/hero/{filename}"


def gallery_path(instance, filename: str) -> str:
    return f"stories/gallery/{filename}"


def proposal_image_path(instance, filename: str) -> str:
    return f"stories/proposals/{filename}"


@dataclass(frozen=True)
class Reading:
    """The text of a story in one language, and whether it stands in for the reader's own."""

    language: str
    title: str
    summary: str
    body: str
    hero_alt: str
    is_fallback: bool  # the reader asked for another language, which this story lacks


# The related managers of the translated models (blocks, gallery) defeat the stubs the same way.
class Story(models.Model):  # type: ignore[django-manager-missing]
    class Kind(models.TextChoices):
        SUCCESS = "success", _("Success story")
        INTERVIEW = "interview", _("Interview")
        VIDEO = "video", _("Video story")
        NEWS = "news", _("News")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")  # public from published_at on

    slug = models.SlugField(unique=True, max_length=160)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.SUCCESS)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    # Translated (modeltranslation adds title_es, title_en, title_pt_br, ...).
    title = models.CharField(_("title"), max_length=200)
    summary = models.TextField(_("summary"), max_length=600, blank=True)
    body = models.TextField(_("text"), blank=True, help_text=_("Markdown."))
    hero_alt = models.CharField(_("description of the main image"), max_length=250, blank=True)
    # Only files that went through iapt_platform.lib.uploads (re-encoded, renamed) are stored here.
    hero_image = StoredSizeImageField(
        _("main image"),
        upload_to=hero_path,
        blank=True,
        width_field="hero_width",
        height_field="hero_height",
    )
    # Filled when the image is saved, so pages never open the file to learn its size.
    hero_width = models.PositiveIntegerField(null=True, blank=True, editable=False)
    hero_height = models.PositiveIntegerField(null=True, blank=True, editable=False)
    # [[width, storage name], ...] of the smaller copies, smallest first (see services).
    hero_renditions = models.JSONField(default=list, blank=True, editable=False)
    video_provider = models.CharField(
        _("video provider"), max_length=10, choices=video.PROVIDERS, blank=True
    )
    video_id = models.CharField(_("video id"), max_length=20, blank=True)
    initiatives: models.ManyToManyField = models.ManyToManyField(
        "initiatives.Initiative",
        blank=True,
        related_name="stories",
        verbose_name=_("initiatives"),
    )
    countries = CountryField(_("countries"), countries=RegionCountries, multiple=True, blank=True)
    sectors: models.ManyToManyField = models.ManyToManyField(
        "initiatives.Sector", blank=True, related_name="stories", verbose_name=_("sectors")
    )
    topics: models.ManyToManyField = models.ManyToManyField(
        Topic, blank=True, related_name="stories", verbose_name=_("topics")
    )
    author_credits = models.CharField(
        _("credits"),
        max_length=300,
        blank=True,
        help_text=_("Who wrote it, who took the pictures, who was interviewed."),
    )
    published_at = models.DateTimeField(_("publication date"), null=True, blank=True)
    proposal = models.OneToOneField(
        "StoryProposal",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="story",
        verbose_name=_("proposal"),
    )
    proposer_notified_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    # The one search (site_search.py): normalised words, and their vector on PostgreSQL.
    search_document = models.TextField(blank=True, editable=False)
    search_vector = SearchVectorField(null=True, editable=False)

    # modeltranslation swaps the manager classes at start-up, which the stubs cannot follow.
    objects = StoryManager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [models.Index(fields=["status", "-published_at"], name="story_status_date")]

    def __str__(self) -> str:
        # The title in the reader's language (or its fallback): notifications and digests show it.
        return self.reading(get_language() or SOURCE_LANGUAGE).title or self.slug

    def get_absolute_url(self) -> str:
        return reverse("stories:detail", args=[self.slug])

    # --- Publication -------------------------------------------------------------------------
    @property
    def is_public(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at <= timezone.now()
        )

    @property
    def is_scheduled(self) -> bool:
        return (
            self.status == self.Status.PUBLISHED
            and self.published_at is not None
            and self.published_at > timezone.now()
        )

    # --- Languages ---------------------------------------------------------------------------
    def available_languages(self) -> list[str]:
        """The languages this story is written in: those with a title."""
        return [code for code in LANGUAGE_CODES if localized(self, "title", code).strip()]

    def display_language(self, wanted: str) -> str:
        """The reader's language if written in it, else Spanish, else the first one written."""
        available = self.available_languages()
        if wanted in available:
            return wanted
        if SOURCE_LANGUAGE in available:
            return SOURCE_LANGUAGE
        return available[0] if available else wanted

    def reading(self, wanted: str) -> Reading:
        language = self.display_language(wanted)
        return Reading(
            language=language,
            title=localized(self, "title", language),
            summary=localized(self, "summary", language),
            body=localized(self, "body", language),
            hero_alt=localized(self, "hero_alt", language),
            is_fallback=language != wanted,
        )

    # --- Media -------------------------------------------------------------------------------
    @property
    def video_embed_url(self) -> str:
        return video.embed_url(self.video_provider, self.video_id)

    @property
    def video_watch_url(self) -> str:
        return video.watch_url(self.video_provider, self.video_id)

    @property
    def video_provider_label(self) -> str:
        return video.provider_label(self.video_provider)

    @property
    def has_video(self) -> bool:
        return bool(self.video_embed_url)

    def hero_srcset(self) -> str:
        """`url 480w, url 960w, ...` for the image's `srcset`, including the stored original."""
        if not self.hero_image:
            return ""
        storage = self.hero_image.storage
        parts = [f"{storage.url(name)} {width}w" for width, name in self.hero_renditions]
        if self.hero_width and not any(w == self.hero_width for w, _n in self.hero_renditions):
            parts.append(f"{self.hero_image.url} {self.hero_width}w")
        return ", ".join(parts)

    def hero_small_url(self) -> str:
        """The smallest copy (for cards), or the original when there is none yet."""
        if not self.hero_image:
            return ""
        if self.hero_renditions:
            return self.hero_image.storage.url(self.hero_renditions[0][1])
        return self.hero_image.url

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if (self.video_provider or self.video_id) and not video.is_valid_id(
            self.video_provider, self.video_id
        ):
            errors["video_id"] = _("This is not a valid YouTube or Vimeo video id.")
        if self.kind == self.Kind.VIDEO and not self.video_id:
            errors["video_id"] = _("A video story needs a video link.")
        if errors:
            raise ValidationError(errors)


class InterviewBlock(models.Model):
    """One question and its answer, in order, in an interview."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="blocks")
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    question = models.CharField(_("question"), max_length=500)
    answer = models.TextField(_("answer"), help_text=_("Markdown."))

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("question and answer")
        verbose_name_plural = _("questions and answers")

    def __str__(self) -> str:
        return self.question_es or ""  # type: ignore[attr-defined]

    def reading(self, language: str) -> tuple[str, str]:
        """(question, answer) in the story's display language, else Spanish, else any."""
        for code in [language, SOURCE_LANGUAGE, *LANGUAGE_CODES]:
            question = localized(self, "question", code)
            if question.strip():
                return question, localized(self, "answer", code)
        return "", ""


class GalleryImage(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="gallery")
    image = models.ImageField(_("image"), upload_to=gallery_path)
    caption = models.CharField(
        _("caption"),
        max_length=250,
        blank=True,
        help_text=_("Describes the picture for people who cannot see it."),
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = models.Manager()  # type: ignore[django-manager-missing]

    class Meta:
        ordering = ["order", "id"]
        verbose_name = _("gallery image")
        verbose_name_plural = _("gallery images")

    def __str__(self) -> str:
        return self.image.name

    def caption_in(self, language: str) -> str:
        for code in [language, SOURCE_LANGUAGE, *LANGUAGE_CODES]:
            text = localized(self, "caption", code)
            if text.strip():
                return text
        return ""


class StoryProposal(models.Model):
    """A member's or promoter's proposal of a story about an initiative, for staff to write up."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for review")
        CHANGES_REQUESTED = "changes_requested", _("Changes requested")
        ACCEPTED = "accepted", _("Accepted: staff are writing it up")
        DECLINED = "declined", _("Declined")

    initiative = models.ForeignKey(
        "initiatives.Initiative",
        on_delete=models.CASCADE,
        related_name="story_proposals",
        verbose_name=_("initiative"),
    )
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="story_proposals",
        verbose_name=_("proposed by"),
    )
    title = models.CharField(_("working title"), max_length=200)
    text = models.TextField(_("the story"), max_length=5000)
    links = models.TextField(_("links"), blank=True)  # one address per line, validated by the form
    language = models.CharField(
        _("language"), max_length=8, choices=settings.LANGUAGES, default=SOURCE_LANGUAGE
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("story proposal")
        verbose_name_plural = _("story proposals")

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("stories:proposal", args=[self.pk])

    @property
    def link_list(self) -> list[str]:
        return [line.strip() for line in self.links.splitlines() if line.strip()]

    @property
    def is_editable(self) -> bool:
        return self.status == self.Status.CHANGES_REQUESTED


class ProposalImage(models.Model):
    proposal = models.ForeignKey(StoryProposal, on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=proposal_image_path)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["order", "id"]

    def __str__(self) -> str:
        return self.image.name


class StoryDailyStat(models.Model):
    """How often a story was read on one day (UTC): an aggregate, never people, no address."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="daily_stats")
    date = models.DateField()
    reads = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["story", "date"], name="one_story_stat_row_per_day")
        ]

    def __str__(self) -> str:
        return f"{self.story_id} {self.date}"
