"""Stories: public pages, members' proposals, and the staff pages where stories are written up."""

from __future__ import annotations

from collections.abc import Callable
from typing import cast

from csp.decorators import csp_replace
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from iapt_platform.accounts import roles
from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from initiatives.selectors import registry_version

from . import presenters, selectors, services, video
from .forms import InterviewBlockFormSet, PublishForm, StoryForm, StoryProposalForm
from .models import Story, StoryProposal


def reader_language(request: HttpRequest) -> str:
    return get_language() or settings.LANGUAGE_CODE


# --- Public ------------------------------------------------------------------------------------
# Stories name their initiatives, and are filtered by the registry's sectors.
STORY_VERSIONS = (selectors.stories_version, registry_version)


@require_GET
@cache_page_for_visitors(
    "stories:list",
    version=STORY_VERSIONS,
    params=("kind", "country", "sector", "topic", "page"),
    # Nothing in it is one member's but the frame: one copy for all members too.
    members=True,
)
def story_list(request: HttpRequest) -> HttpResponse:
    listing = selectors.story_listing(request.GET, page_number=request.GET.get("page"))
    return render(
        request,
        "stories/list.html",
        {"listing": listing, "page": listing.page, "query": listing.query_string},
    )


# A story page may frame exactly the two privacy-enhanced video hosts (the site default is
# 'none'), and only after the reader presses play (static/js/stories.js inserts the frame).
# Replaced rather than updated: 'none' next to other sources is ignored, with a console warning.
ViewDecorator = Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]
allow_video_frames = cast(ViewDecorator, csp_replace({"frame-src": video.FRAME_HOSTS}))


def _read_from_cache(request: HttpRequest, story_id: int) -> None:
    services.story_record_read_of(
        story_id=story_id, user_agent=request.META.get("HTTP_USER_AGENT", "")
    )


@allow_video_frames
@require_GET
@cache_page_for_visitors("stories:detail", version=STORY_VERSIONS, on_hit=_read_from_cache)
def story_detail(request: HttpRequest, slug: str) -> HttpResponse:
    story = selectors.story_get_public(slug=slug)
    if story is None:
        raise Http404
    services.story_record_read(story=story, user_agent=request.META.get("HTTP_USER_AGENT", ""))
    response = _render_story(request, story, preview=False)
    response.page_cache_note = story.pk  # type: ignore[attr-defined]
    return response


def _render_story(request: HttpRequest, story: Story, *, preview: bool) -> HttpResponse:
    reading = story.reading(reader_language(request))
    blocks = [block.reading(reading.language) for block in story.blocks.all()]
    gallery = [(image, image.caption_in(reading.language)) for image in story.gallery.all()]
    return render(
        request,
        "stories/detail.html",
        {
            "story": story,
            "reading": reading,
            "blocks": blocks,
            "show_blocks": story.kind == Story.Kind.INTERVIEW
            or bool(story.pk and story.blocks.exists()),
            "gallery": gallery,
            "initiatives": getattr(story, "public_initiatives", []),
            "related": [] if preview else selectors.story_related(story=story),
            "preview": preview,
            # A preview is no public page: it says so to search engines, and gives them nothing.
            "structured_data": None
            if preview
            else presenters.structured_data(story=story, reading=reading),
        },
    )


# --- Proposals ---------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def propose(request: AuthenticatedRequest) -> HttpResponse:
    if not services.can_propose(request.user):
        raise PermissionDenied
    initial = {}
    if request.GET.get("initiative"):
        initial["initiative"] = request.GET["initiative"]
    form = StoryProposalForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        proposal = services.story_proposal_submit(
            user=request.user,
            initiative=data["initiative"],
            title=data["title"],
            text=data["text"],
            links=data["links"],
            images=data["images"],
        )
        messages.success(
            request,
            _("Thank you. Your proposal is with the editors; we emailed you a copy."),
        )
        return redirect("stories:proposal", pk=proposal.pk)
    return render(request, "stories/propose.html", {"form": form})


def _proposal_for(request: AuthenticatedRequest, pk: int) -> StoryProposal:
    proposal = get_object_or_404(
        StoryProposal.objects.select_related("initiative", "proposed_by"), pk=pk
    )
    if proposal.proposed_by_id != request.user.pk and not roles.is_moderator(request.user):
        raise PermissionDenied
    return proposal


@login_required
@require_GET
def proposal_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal_for(request, pk)
    story = Story.objects.filter(proposal=proposal).first()
    return render(
        request,
        "stories/proposal.html",
        {
            "proposal": proposal,
            "images": proposal.images.all(),
            "story": story,
            "is_moderator": roles.is_moderator(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    proposal = _proposal_for(request, pk)
    if proposal.proposed_by_id != request.user.pk:
        raise PermissionDenied
    if not proposal.is_editable:
        messages.info(request, _("This proposal is not waiting for changes."))
        return redirect("stories:proposal", pk=proposal.pk)
    initial = {"title": proposal.title, "text": proposal.text, "links": proposal.links}
    form = StoryProposalForm(
        request.POST or None, request.FILES or None, initial=initial, editing=True
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.story_proposal_resubmit(
                proposal=proposal,
                user=request.user,
                title=data["title"],
                text=data["text"],
                links=data["links"],
                images=data["images"],
            )
        except services.StoryError as exc:
            form.add_error("images", str(exc))
        else:
            messages.success(request, _("Your proposal is back with the editors."))
            return redirect("stories:proposal", pk=proposal.pk)
    return render(request, "stories/propose.html", {"form": form, "proposal": proposal})


@login_required
@require_GET
def my_proposals(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "stories/my_proposals.html",
        {
            "proposals": selectors.proposals_of(user=request.user),
            "can_propose": services.can_propose(request.user),
        },
    )


# --- Staff -------------------------------------------------------------------------------------
STAFF_FILTERS = ("draft", "scheduled", "public")


@moderator_required
@require_GET
def staff_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    status = status if status in STAFF_FILTERS else ""
    page = Paginator(selectors.story_list_for_staff(status=status), 30).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "stories/staff/list.html",
        {"page": page, "status": status, "query": f"status={status}" if status else ""},
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def staff_create(request: AuthenticatedRequest) -> HttpResponse:
    return _edit(request, Story(kind=Story.Kind.NEWS, created_by=request.user))


@moderator_required
@require_http_methods(["GET", "POST"])
def staff_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    return _edit(request, get_object_or_404(Story, pk=pk))


def _edit(request: AuthenticatedRequest, story: Story) -> HttpResponse:
    post = request.method == "POST"
    form = StoryForm(
        request.POST if post else None, request.FILES if post else None, instance=story
    )
    # The questions and answers are on the page for interviews only; elsewhere they are left alone.
    blocks_posted = post and "blocks-TOTAL_FORMS" in request.POST
    blocks = InterviewBlockFormSet(
        request.POST if blocks_posted else None, instance=story, prefix="blocks"
    )
    if post and form.is_valid() and (not blocks_posted or blocks.is_valid()):
        with transaction.atomic():
            creating = story.pk is None
            if creating:
                story.slug = services.unique_slug(form.cleaned_data["title_es"])
            story = form.save()
            if blocks_posted:
                blocks.instance = story
                blocks.save()
            services.story_saved(story=story, hero_changed=form.hero_changed)
            if story.is_public:
                services.queue_published_notice()
        messages.success(request, _("Saved."))
        return redirect("stories:staff_edit", pk=story.pk)
    return render(
        request,
        "stories/staff/edit.html",
        {
            "story": story,
            "form": form,
            "blocks": blocks,
            "show_blocks": story.kind == Story.Kind.INTERVIEW
            or bool(story.pk and story.blocks.exists()),
            "publish_form": PublishForm(initial={"published_at": story.published_at}),
            "problems": services.publication_problems(story) if story.pk else [],
        },
    )


@moderator_required
@require_POST
def staff_publish(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    story = get_object_or_404(Story, pk=pk)
    if request.POST.get("action") == "unpublish":
        services.story_unpublish(story=story, by=request.user)
        messages.success(request, _("The story is a draft again; readers no longer see it."))
        return redirect("stories:staff_edit", pk=story.pk)
    form = PublishForm(request.POST)
    if form.is_valid():
        try:
            story = services.story_publish(
                story=story, by=request.user, at=form.cleaned_data["published_at"]
            )
        except services.StoryError as exc:
            messages.error(request, str(exc))
        else:
            if story.is_scheduled:
                messages.success(request, _("Scheduled. Readers will see it from that date on."))
            else:
                messages.success(request, _("Published."))
    else:
        messages.error(request, " ".join(str(e) for e in form.errors.get("published_at", [])))
    return redirect("stories:staff_edit", pk=story.pk)


@allow_video_frames
@moderator_required
@require_GET
def staff_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    story = selectors.story_for_staff(pk=pk)
    if story is None:
        raise Http404
    return _render_story(request, story, preview=True)
