"""Reads of stories: what the public sees (published and due), lists, filters, related stories."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    Case,
    Exists,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
    prefetch_related_objects,
)
from django.db.models.expressions import RawSQL
from django.http import QueryDict

from iapt_platform.accounts import personal_data
from iapt_platform.lib import joined
from iapt_platform.lib.cache import CacheVersion, timed
from initiatives.models import Initiative
from initiatives.selectors import sector_ids_of, sector_ids_sql, sectors_by_id

from .forms import StoryFilterForm
from .models import GalleryImage, InterviewBlock, Story, StoryProposal

# Published stories: one version for every page that shows them (list, story page, the home's
# section, an initiative's stories). A story scheduled for later appears with time alone: the
# pages' version includes a minute.
STORIES_VERSION = CacheVersion("stories:version")
stories_changed = STORIES_VERSION.bump
stories_version = timed(STORIES_VERSION.get, 60)

PAGE_SIZE = 12


def _public_initiatives() -> Prefetch:
    return Prefetch(
        "initiatives",
        queryset=Initiative.objects.published().only("id", "slug", "name", "country"),
        to_attr="public_initiatives",
    )


def story_list_public() -> QuerySet[Story]:
    """Stories whose publication date has come, newest first, with their public initiatives."""
    return (
        Story.objects.public()
        .prefetch_related(_public_initiatives())
        .order_by("-published_at", "-id")
    )


# What a story's page shows of each of its initiatives (a card: name, country, city).
CARD_FIELDS = ("id", "slug", "name", "country", "city")


def story_get_public(*, slug: str) -> Story | None:
    """A published story whose date has come; drafts and scheduled stories are None (404).

    Its own query also answers whether it has pictures, interview blocks and initiatives: each
    is asked for only when it has some (most stories have no gallery and no blocks), and its
    initiatives with what their cards show, not their sectors and programme. Its sectors' ids
    come with it, the sectors from their kept map."""
    story = (
        Story.objects.public()
        .filter(slug=slug)
        .annotate(
            sector_ids=RawSQL(  # noqa: S611 (the code's own text)
                sector_ids_sql(
                    f'"{Story._meta.db_table}"',
                    table=Story.sectors.through._meta.db_table,
                    link="story_id",
                ),
                (),
            ),
            has_gallery=Exists(GalleryImage.objects.filter(story=OuterRef("pk"))),
            has_blocks=Exists(InterviewBlock.objects.filter(story=OuterRef("pk"))),
            has_initiatives=Exists(
                Story.initiatives.through.objects.filter(story_id=OuterRef("pk"))
            ),
        )
        .first()
    )
    if story is None:
        return None
    sectors = sectors_by_id()  # kept: its sectors' ids came with its row
    ids = sector_ids_of(story.sector_ids)  # type: ignore[attr-defined]
    joined.as_prefetched(story, "sectors", [sectors[pk] for pk in ids if pk in sectors])
    lookups: list[str | Prefetch] = ["topics"]
    if story.has_gallery:
        lookups.append("gallery")
    else:
        story._prefetched_objects_cache["gallery"] = GalleryImage.objects.none()
    if story.has_blocks:
        lookups.append(Prefetch("blocks", queryset=InterviewBlock.objects.order_by("order", "id")))
    else:
        story._prefetched_objects_cache["blocks"] = InterviewBlock.objects.none()
    if story.has_initiatives:
        cards = Initiative.objects.published().only(*CARD_FIELDS).order_by("name")
        lookups.append(Prefetch("initiatives", queryset=cards, to_attr="public_initiatives"))
    else:
        story.public_initiatives = []  # type: ignore[attr-defined]
    prefetch_related_objects([story], *lookups)
    return story


def story_for_staff(*, pk: int) -> Story | None:
    return (
        Story.objects.filter(pk=pk)
        .select_related("proposal__proposed_by", "proposal__initiative")
        .prefetch_related(
            "topics",
            "sectors",
            "gallery",
            Prefetch("blocks", queryset=InterviewBlock.objects.order_by("order", "id")),
            Prefetch(
                "initiatives",
                queryset=Initiative.objects.order_by("name"),
                to_attr="public_initiatives",
            ),
        )
        .first()
    )


@dataclass
class StoryListing:
    form: StoryFilterForm
    page: Page
    query_string: str  # the current filters, without the page, for links
    invalid: bool

    @property
    def active_filter_count(self) -> int:
        """How many of the filters have a value, for the "Filters (n active)" summary."""
        return sum(bool(self.form.data.get(name)) for name in self.form.fields)


def story_listing(params: QueryDict, *, page_number: str | None) -> StoryListing:
    form = StoryFilterForm(params)
    qs = story_list_public()
    invalid = False
    if form.is_valid():
        data = form.cleaned_data
        if data.get("kind"):
            qs = qs.filter(kind=data["kind"])
        if data.get("country"):
            # Codes are two letters joined by commas, so a substring match is exact.
            qs = qs.filter(countries__contains=data["country"])
        if data.get("sector"):
            qs = qs.filter(
                pk__in=Story.sectors.through.objects.filter(sector=data["sector"]).values(
                    "story_id"
                )
            )
        if data.get("topic"):
            qs = qs.filter(
                pk__in=Story.topics.through.objects.filter(topic=data["topic"]).values("story_id")
            )
    else:
        # An unknown value gives no result rather than silently ignoring the filter.
        invalid = True
        qs = qs.none()
    page = Paginator(qs, PAGE_SIZE).get_page(page_number)
    query = params.copy()
    query.pop("page", None)
    for key in [k for k, v in query.items() if not v]:
        query.pop(key)
    return StoryListing(form=form, page=page, query_string=query.urlencode(), invalid=invalid)


def story_latest(*, limit: int) -> list[Story]:
    return list(story_list_public()[:limit])


def story_related(*, story: Story, limit: int = 3) -> list[Story]:
    """Public stories sharing an initiative, a topic or a sector, newest first; then the latest
    (one query: those sharing something ordered first)."""
    initiative_ids = [i.pk for i in getattr(story, "public_initiatives", [])]
    topic_ids = [t.pk for t in story.topics.all()]
    sector_ids = [s.pk for s in story.sectors.all()]
    shared = Q(initiatives__in=initiative_ids) | Q(topics__in=topic_ids) | Q(sectors__in=sector_ids)
    ids = Story.objects.public().exclude(pk=story.pk).filter(shared).values("pk")
    return list(
        Story.objects.public()
        .exclude(pk=story.pk)
        .annotate(shares=Case(When(pk__in=ids, then=Value(1)), default=Value(0)))
        .order_by("-shares", "-published_at", "-id")[:limit]
    )


def stories_for_initiative(*, initiative: Initiative, limit: int = 4) -> list[Story]:
    return list(
        Story.objects.public()
        .filter(initiatives=initiative)
        .order_by("-published_at", "-id")[:limit]
    )


def story_list_for_staff(*, status: str = "") -> QuerySet[Story]:
    qs = Story.objects.select_related("proposal").order_by("-updated_at", "-id")
    if status == "draft":
        qs = qs.filter(status=Story.Status.DRAFT)
    elif status == "scheduled":
        qs = qs.scheduled()
    elif status == "public":
        qs = qs.public()
    return qs


def proposals_of(*, user) -> QuerySet[StoryProposal]:
    return (
        StoryProposal.objects.filter(proposed_by=user)
        .select_related("initiative", "story")
        .order_by("-created_at", "-id")
    )


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The story proposals the person made, with the pictures they sent."""
    portion = personal_data.Portion(data={})
    proposals = []
    for proposal in (
        StoryProposal.objects.filter(proposed_by=user)
        .select_related("initiative")
        .prefetch_related("images")
        .order_by("pk")
    ):
        images = []
        for image in proposal.images.all():
            name = personal_data.file_name(f"proposals/{proposal.pk}", image.image)
            portion.files.append((name, image.image))
            images.append(name)
        proposals.append(
            {
                **personal_data.record(proposal),
                "initiative_name": proposal.initiative.name,
                "images": images,
            }
        )
    portion.data["story_proposals"] = proposals
    return portion
