"""The public agenda, a round's page, a proposal's page, and what members do there."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from community import services as forum
from iapt_platform.accounts import roles
from iapt_platform.lib.pagecache import cache_page_for_visitors
from iapt_platform.lib.translated import in_language

from .. import selectors, services
from ..forms import CommentForm, ProposalForm
from ..models import Phase, Proposal, Round


@require_safe
@cache_page_for_visitors("agenda:index", version=selectors.page_version, params=("year",))
def agenda(request: HttpRequest) -> HttpResponse:
    """The year's agenda items with their progress, and the rounds that produced them."""
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year", today.year))
    except ValueError:
        year = today.year
    years = sorted({*selectors.agenda_years(), today.year}, reverse=True)
    return render(
        request,
        "agenda/index.html",
        {
            "year": year,
            "years": years,
            "items": list(selectors.agenda_items(year=year)),
            "rounds": list(selectors.round_list()),
            "is_moderator": roles.is_moderator(request.user),
        },
    )


def _round_context(
    request: HttpRequest, agenda_round: Round, *, refusal: str = ""
) -> dict[str, Any]:
    user = request.user
    now = timezone.now()
    phase = agenda_round.phase(now)
    proposals = list(selectors.round_proposals(agenda_round=agenda_round, user=user))
    supported = selectors.supported_ids(agenda_round=agenda_round, user=user)
    return {
        "round": agenda_round,
        "description": in_language(agenda_round, "description", translation.get_language()),
        "phase": phase,
        "Phase": Phase,
        "proposals": proposals,
        "supported": supported,
        "supports_left": max(agenda_round.supports_per_member - len(supported), 0),
        "results": selectors.round_results(agenda_round=agenda_round),
        "counts_public": agenda_round.counts_public(now),
        "can_propose": agenda_round.accepts_proposals(now) and selectors.is_member(user),
        "may_support": phase == Phase.PRIORITISING and selectors.is_member(user),
        "verified": user.is_authenticated and services.has_verified_email(user),
        "is_moderator": roles.is_moderator(user),
        "refusal": refusal,
    }


@require_safe
@cache_page_for_visitors("agenda:round", version=selectors.page_version, timeout=60)
def round_detail(request: HttpRequest, slug: str) -> HttpResponse:
    agenda_round: Round = get_object_or_404(
        Round.objects.prefetch_related("lines_of_work"), slug=slug
    )
    return render(request, "agenda/round.html", _round_context(request, agenda_round))


@login_required
@require_http_methods(["GET", "POST"])
def propose(request: HttpRequest, slug: str) -> HttpResponse:
    agenda_round = get_object_or_404(Round, slug=slug)
    if not selectors.is_member(request.user):
        raise PermissionDenied
    form = ProposalForm(request.POST or None, agenda_round=agenda_round)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            proposal = services.proposal_submit(
                user=request.user,
                agenda_round=agenda_round,
                title=data["title"],
                body=data["body"],
                line_of_work=data["line_of_work"],
                countries=data["countries"],
                topics=data["topics"],
                **data["links"],
            )
        except services.AgendaError as error:
            form.add_error(error.field, str(error))
        else:
            if proposal.status == Proposal.Status.PENDING:
                messages.success(
                    request,
                    _(
                        "Thank you. Your first proposal waits for a moderator; it will appear in "
                        "the round once approved."
                    ),
                )
            else:
                messages.success(request, _("Your proposal is published in the round."))
            return redirect(proposal)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "agenda/propose.html",
        {"round": agenda_round, "form": form, "open": agenda_round.accepts_proposals()},
        status=status,
    )


def _proposal_or_404(request: HttpRequest, pk: int) -> Proposal:
    proposal = (
        Proposal.objects.select_related(
            "round", "author", "author__member_profile", "line_of_work", "agenda_item"
        )
        .prefetch_related("topics", "initiatives", "resources", "threads")
        .filter(pk=pk)
        .first()
    )
    if proposal is None or not selectors.proposal_visible(user=request.user, proposal=proposal):
        raise Http404
    return proposal


def _proposal_context(
    request: HttpRequest,
    proposal: Proposal,
    *,
    comment_form: CommentForm | None = None,
    refusal: str = "",
) -> dict[str, Any]:
    user = request.user
    agenda_round = proposal.round
    supported = selectors.supported_ids(agenda_round=agenda_round, user=user)
    counts_public = agenda_round.counts_public()
    try:
        item = proposal.agenda_item
    except Proposal.agenda_item.RelatedObjectDoesNotExist:  # type: ignore[attr-defined]
        item = None
    return {
        "proposal": proposal,
        "round": agenda_round,
        "phase": agenda_round.phase(),
        "Phase": Phase,
        "reason": in_language(proposal, "answer_reason", translation.get_language()),
        "item": item,
        "supported": proposal.pk in supported,
        "supports_left": max(agenda_round.supports_per_member - len(supported), 0),
        "support_count": proposal.supports.count() if counts_public else None,
        "may_support": agenda_round.is_prioritising() and selectors.is_member(user),
        "verified": user.is_authenticated and services.has_verified_email(user),
        "comments": selectors.discussion_posts(proposal=proposal, user=user),
        "comment_form": comment_form or CommentForm(),
        "is_member": selectors.is_member(user),
        "is_author": user.is_authenticated and proposal.author_id == user.pk,
        "is_moderator": roles.is_moderator(user),
        "refusal": refusal,
    }


@require_safe
@cache_page_for_visitors("agenda:proposal", version=selectors.page_version, timeout=60)
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    return render(request, "agenda/proposal.html", _proposal_context(request, proposal))


@login_required
@require_POST
def support(request: HttpRequest, pk: int) -> HttpResponse:
    """Add or remove one support; a refusal re-renders the page it came from with the reason,
    every other support unchanged."""
    proposal = _proposal_or_404(request, pk)
    try:
        if request.POST.get("action") == "remove":
            services.support_remove(user=request.user, proposal=proposal)
            messages.success(request, _("Support removed."))
        else:
            services.support_add(user=request.user, proposal=proposal)
            messages.success(request, _("Support given."))
    except services.AgendaError as error:
        if request.POST.get("from") == "round":
            context = _round_context(request, proposal.round, refusal=str(error))
            return render(request, "agenda/round.html", context, status=409)
        context = _proposal_context(request, proposal, refusal=str(error))
        return render(request, "agenda/proposal.html", context, status=409)
    if request.POST.get("from") == "round":
        return redirect(proposal.round.get_absolute_url() + f"#proposal-{proposal.pk}")
    return redirect(proposal)


@login_required
@require_POST
def withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    proposal = _proposal_or_404(request, pk)
    try:
        services.proposal_withdraw(user=request.user, proposal=proposal)
    except services.AgendaError as error:
        context = _proposal_context(request, proposal, refusal=str(error))
        return render(request, "agenda/proposal.html", context, status=409)
    messages.success(request, _("Your proposal is withdrawn; its supports were given back."))
    return redirect(proposal)


@login_required
@require_POST
def comment(request: HttpRequest, pk: int) -> HttpResponse:
    """A comment is a reply in the proposal's forum thread (the forum's own rules apply: first
    posts wait for a moderator, rate limits, closed threads)."""
    proposal = _proposal_or_404(request, pk)
    if proposal.discussion is None or not selectors.is_member(request.user):
        raise PermissionDenied
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            post = forum.post_reply(
                user=request.user, thread=proposal.discussion, body=form.cleaned_data["body"]
            )
        except forum.ForumError as error:
            form.add_error("body", str(error))
        else:
            if post.status == post.Status.PENDING:
                messages.success(request, _("Thank you: your comment waits for a moderator."))
            else:
                messages.success(request, _("Your comment is published."))
            return redirect(proposal.get_absolute_url() + "#comments")
    context = _proposal_context(request, proposal, comment_form=form)
    return render(request, "agenda/proposal.html", context, status=400)


@require_safe
@cache_page_for_visitors("agenda:item", version=selectors.page_version)
def item_detail(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.item_for_page(pk)
    if item is None:
        raise Http404
    return render(
        request,
        "agenda/item.html",
        {
            "item": item,
            "title": in_language(item, "title", translation.get_language()),
            "updates": [
                (update, in_language(update, "body", translation.get_language()))
                for update in item.updates.all()
            ],
            "is_moderator": roles.is_moderator(request.user),
        },
    )
