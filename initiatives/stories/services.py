"""Writes to stories: proposals and their moderation, drafts, publication, hero image sizes, and the
emails that tell the proposer each step."""

from __future__ import annotations

import io
import uuid
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from modeltranslation.utils import build_localized_fieldname
from PIL import Image

from iapt_platform.accounts import roles
from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails
from iapt_platform.lib.queueing import delay_on_commit
from iapt_platform.lib.storage import delete_on_commit

from . import announcements
from .models import GalleryImage, ProposalImage, Story, StoryProposal

PROPOSAL_KIND = "story_proposal"
MAX_PROPOSAL_IMAGES = 3
RENDITION_WIDTHS = (480, 960, 1440)


class StoryError(ValueError):
    """A refused action, with a message for the person who tried it."""


def can_propose(user) -> bool:
    return roles.has_role(user, roles.MEMBER) or roles.has_role(user, roles.PROMOTER)


RESERVED_SLUGS = {"feed", "propose", "proposals", "staff"}  # fixed paths under /stories/


def unique_slug(title: str) -> str:
    base = slugify(title)[:140] or "story"
    slug, n = base, 1
    while slug in RESERVED_SLUGS or Story.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- Proposals ---------------------------------------------------------------------------------
@transaction.atomic
def story_proposal_submit(
    *,
    user,
    initiative,
    title: str,
    text: str,
    links: list[str],
    images: list[ContentFile],
) -> StoryProposal:
    """A member proposes a story: it goes to the moderation queue and the proposer hears of it."""
    from iapt_platform.moderation.services import moderation_submit

    if not can_propose(user):
        raise PermissionDenied
    if len(images) > MAX_PROPOSAL_IMAGES:
        raise StoryError(_("Send at most three images."))
    proposal = StoryProposal.objects.create(
        initiative=initiative,
        proposed_by=user,
        title=title,
        text=text,
        links="\n".join(links),
        language=user.language or "es",
    )
    for order, content in enumerate(images):
        ProposalImage.objects.create(proposal=proposal, image=content, order=order)
    moderation_submit(obj=proposal, kind=PROPOSAL_KIND, submitted_by=user)
    emails.send(
        template="stories/proposal_received",
        to=user,
        context={"proposal": proposal, "initiative_name": initiative.name},
    )
    return proposal


@transaction.atomic
def story_proposal_resubmit(
    *,
    proposal: StoryProposal,
    user,
    title: str,
    text: str,
    links: list[str],
    images: list[ContentFile],
) -> StoryProposal:
    """The proposer makes the changes a moderator asked for; the proposal goes back in the queue."""
    from iapt_platform.moderation.services import moderation_submit

    if proposal.proposed_by_id != user.pk:
        raise PermissionDenied
    proposal = StoryProposal.objects.select_for_update().get(pk=proposal.pk)
    if not proposal.is_editable:
        raise StoryError(_("This proposal is not waiting for changes."))
    kept = proposal.images.count()
    if kept + len(images) > MAX_PROPOSAL_IMAGES:
        raise StoryError(_("Send at most three images."))
    proposal.title, proposal.text, proposal.links = title, text, "\n".join(links)
    proposal.status = StoryProposal.Status.PENDING
    proposal.save(update_fields=["title", "text", "links", "status", "updated_at"])
    for order, content in enumerate(images, start=kept):
        ProposalImage.objects.create(proposal=proposal, image=content, order=order)
    moderation_submit(obj=proposal, kind=PROPOSAL_KIND, submitted_by=user)
    return proposal


def proposal_approve(proposal: StoryProposal, *, moderator, comment: str) -> None:
    """Moderation callback: the proposal becomes a draft story for staff to write up."""
    proposal.status = StoryProposal.Status.ACCEPTED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])
    if not hasattr(proposal, "story"):
        story_create_from_proposal(proposal=proposal, by=moderator)


def proposal_request_changes(proposal: StoryProposal, *, moderator, comment: str) -> None:
    proposal.status = StoryProposal.Status.CHANGES_REQUESTED
    proposal.save(update_fields=["status", "updated_at"])


def proposal_decline(proposal: StoryProposal, *, moderator, comment: str) -> None:
    proposal.status = StoryProposal.Status.DECLINED
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["status", "decided_at", "updated_at"])


@transaction.atomic
def story_create_from_proposal(*, proposal: StoryProposal, by) -> Story:
    """A draft in the proposal's language, with its text, links and images, for staff to edit."""
    language = proposal.language
    links = "\n".join(f"- <{link}>" for link in proposal.link_list)
    body = proposal.text + (f"\n\n{links}" if links else "")
    initiative = proposal.initiative
    story = Story(
        slug=unique_slug(proposal.title),
        kind=Story.Kind.SUCCESS,
        status=Story.Status.DRAFT,
        # CountryField(multiple=True) takes a list of codes; the stubs know single values only.
        countries=[initiative.country.code] if initiative.country else [],  # type: ignore[misc]
        proposal=proposal,
        created_by=by,
        author_credits=proposal.proposed_by.get_full_name(),
    )
    setattr(story, build_localized_fieldname("title", language), proposal.title)
    setattr(story, build_localized_fieldname("body", language), body)
    story.save()
    story.initiatives.add(initiative)
    story.sectors.set(initiative.sectors.all())
    images = list(proposal.images.all())
    if images:
        # The first picture is a starting point for the main image; staff may replace it.
        story.hero_image.save(
            f"{uuid.uuid4().hex}{_extension(images[0].image.name)}",
            ContentFile(images[0].image.read()),
            save=True,
        )
        queue_renditions(story)
        for order, picture in enumerate(images[1:]):
            gallery = GalleryImage(story=story, order=order)
            gallery.image.save(
                f"{uuid.uuid4().hex}{_extension(picture.image.name)}",
                ContentFile(picture.image.read()),
                save=True,
            )
    return story


def _extension(name: str) -> str:
    return "." + name.rsplit(".", 1)[-1] if "." in name else ".png"


# --- Staff: writing, scheduling, publishing -----------------------------------------------------
@transaction.atomic
def story_create(*, by, kind: str, title_es: str) -> Story:
    story = Story(slug=unique_slug(title_es), kind=kind, created_by=by)
    story.title_es = title_es  # type: ignore[attr-defined]
    story.save()
    return story


def story_saved(*, story: Story, hero_changed: bool) -> None:
    """After staff saved a story (staff page or admin): make the image sizes of a new image."""
    if hero_changed:
        if story.hero_renditions:
            _delete_renditions(story)
            story.hero_renditions = []
            story.save(update_fields=["hero_renditions"])
        queue_renditions(story)


@transaction.atomic
def story_publish(*, story: Story, by, at: datetime | None = None) -> Story:
    """Publish now, or schedule for `at`: the story becomes public when that moment comes."""
    if not roles.is_moderator(by):
        raise PermissionDenied
    story = Story.objects.select_for_update().get(pk=story.pk)
    problems = publication_problems(story)
    if problems:
        raise StoryError(" ".join(problems))
    story.status = Story.Status.PUBLISHED
    story.published_at = at or timezone.now()
    story.save(update_fields=["status", "published_at", "updated_at"])
    if story.published_at <= timezone.now():
        queue_published_notice()
        announcements.story_announce(story=story, by=by)
    return story


def queue_published_notice() -> None:
    """Tell proposers at once of stories published now (scheduled ones: see the periodic task)."""
    from . import tasks

    # With the broker away, the quarter-hourly run of the same task tells them instead.
    delay_on_commit(tasks.notify_published_proposers)


@transaction.atomic
def story_unpublish(*, story: Story, by) -> Story:
    """Back to draft: it leaves the public pages (and the schedule) at once."""
    if not roles.is_moderator(by):
        raise PermissionDenied
    story.status = Story.Status.DRAFT
    story.save(update_fields=["status", "updated_at"])
    return story


def publication_problems(story: Story) -> list[str]:
    problems = []
    if "es" not in story.available_languages():
        problems.append(_("Write at least the Spanish title."))
    readable = [lang for lang in story.available_languages() if story.reading(lang).summary]
    if not readable:
        problems.append(_("Write the summary."))
    try:
        story.clean()
    except ValidationError as exc:
        problems.extend(str(m) for m in exc.messages)
    return problems


def story_notify_published_due() -> int:
    """Email the proposer of each story that has become public since the last run (idempotent)."""
    sent = 0
    due = Story.objects.public().filter(proposal__isnull=False, proposer_notified_at__isnull=True)
    for story_id in due.values_list("pk", flat=True):
        with transaction.atomic():
            story = (
                Story.objects.select_for_update(of=("self",))
                .select_related("proposal__proposed_by")
                .get(pk=story_id)
            )
            if story.proposer_notified_at is not None or not story.is_public:
                continue
            story.proposer_notified_at = timezone.now()
            story.save(update_fields=["proposer_notified_at"])
            proposer = story.proposal.proposed_by if story.proposal else None
            if proposer is not None and proposer.is_active:
                emails.send(
                    template="stories/story_published",
                    to=proposer,
                    context={
                        "story_title": story.reading(proposer.language).title,
                        "path": story.get_absolute_url(),
                    },
                )
                sent += 1
    return sent


# --- Hero image sizes ---------------------------------------------------------------------------
def queue_renditions(story: Story) -> None:
    from . import tasks

    # Nothing would make them later, and they are cheap enough (at most three copies of an image
    # of at most 2000 pixels, about half a second): with the broker away, the request makes them.
    delay_on_commit(tasks.make_hero_renditions, story.pk, run_here_if_broker_down=True)


def story_make_renditions(*, story_id: int) -> list[list[Any]]:
    """Smaller copies of the main image (480, 960, 1440 pixels wide, when narrower than it)."""
    story = Story.objects.filter(pk=story_id).first()
    if story is None or not story.hero_image:
        return []
    with story.hero_image.open("rb") as handle:
        opened = Image.open(handle)
        opened.load()
    source: Image.Image = opened if opened.mode in ("RGB", "L") else opened.convert("RGB")
    renditions: list[list[Any]] = []
    storage = story.hero_image.storage
    stem = story.hero_image.name.rsplit("/", 1)[-1].rsplit(".", 1)[0]
    for width in RENDITION_WIDTHS:
        if width >= source.width:
            break
        height = round(source.height * width / source.width)
        copy = source.resize((width, height), Image.Resampling.LANCZOS)
        out = io.BytesIO()
        copy.save(out, "JPEG", quality=80, optimize=True, progressive=True)
        name = storage.save(f"stories/hero/sizes/{stem}-{width}.jpg", ContentFile(out.getvalue()))
        renditions.append([width, name])
    _delete_renditions(story)
    story.hero_renditions = renditions
    story.save(update_fields=["hero_renditions"])
    return renditions


def _delete_renditions(story: Story) -> None:
    """The story's image sizes leave storage once the change that drops them commits."""
    delete_on_commit(story.hero_image.storage, [name for _w, name in story.hero_renditions])


def story_deleted(sender: Any, instance: Story, **kwargs: Any) -> None:
    """A deleted story's image sizes go with it (django-cleanup deletes its image files)."""
    _delete_renditions(instance)


def story_record_read(*, story: Story, user_agent: str) -> bool:
    """Count one reading of a public story in today's aggregate (UTC day); robots are left out.
    Nothing about the reader is stored. Returns whether it was counted."""
    return story_record_read_of(story_id=story.pk, user_agent=user_agent)


def story_record_read_of(*, story_id: int, user_agent: str) -> bool:
    """story_record_read for a page served from the visitors' cache, which knows the id only.

    Counted in Redis and written to the day's row within a minute (`counters.bump_later`): a
    reading costs no UPDATE. Every figure of readings adds the counts still waiting (the
    dashboard's, `metrics.read`)."""
    from iapt_platform.lib import counters

    from .models import StoryDailyStat

    if counters.looks_like_bot(user_agent):
        return False
    counters.bump_later(StoryDailyStat, "reads", day=timezone.now().date(), story_id=story_id)
    return True


# --- A proposer leaves ------------------------------------------------------------------------------
def proposer_depart(*, closing: Closing) -> None:
    """Story proposals go with the account (on_delete=CASCADE, their pictures after the commit);
    a story written from one stays, as staff wrote it. Open ones leave the queue first."""
    from iapt_platform.moderation.services import moderation_withdraw

    moderation_withdraw(objects=StoryProposal.objects.filter(proposed_by=closing.user))
