"""Moderators run rounds, answer proposals and report on agenda items."""

from __future__ import annotations

from django.contrib import messages
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from iapt_platform.accounts.roles import moderator_required

from .. import services
from ..forms import AgendaItemForm, AnswerForm, ReportForm, RoundForm
from ..models import AgendaItem, Proposal, Round


@moderator_required
def staff_list(request: HttpRequest) -> HttpResponse:
    rounds = Round.objects.annotate(
        published=Count("proposals", filter=Q(proposals__status=Proposal.Status.PUBLISHED)),
        unanswered=Count(
            "proposals",
            filter=Q(proposals__status=Proposal.Status.PUBLISHED, proposals__answer=""),
        ),
    )
    items = AgendaItem.objects.select_related("responsible").order_by("-year", "target_date")
    return render(request, "agenda/staff/list.html", {"rounds": rounds, "items": items})


@moderator_required
@require_http_methods(["GET", "POST"])
def round_create(request: HttpRequest) -> HttpResponse:
    form = RoundForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        agenda_round = services.round_open(moderator=request.user, form=form)
        messages.success(request, _("The round is open; members hear of it."))
        return redirect(agenda_round)
    return render(
        request,
        "agenda/staff/form.html",
        {"form": form, "heading": _("Open an agenda round")},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, pk: int) -> HttpResponse:
    agenda_round = get_object_or_404(Round, pk=pk)
    form = RoundForm(request.POST or None, instance=agenda_round)
    if request.method == "POST" and form.is_valid():
        services.round_edit(moderator=request.user, form=form)
        messages.success(request, _("The round is saved."))
        return redirect(agenda_round)
    return render(
        request,
        "agenda/staff/form.html",
        {"form": form, "heading": _("Edit the round"), "round": agenda_round},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def answer(request: HttpRequest, pk: int) -> HttpResponse:
    proposal: Proposal = get_object_or_404(
        Proposal.objects.select_related("round", "author"), pk=pk
    )
    initial = {"answer": proposal.answer} if proposal.answer else {}
    for code in ("es", "en", "pt_br"):
        initial[f"answer_reason_{code}"] = getattr(proposal, f"answer_reason_{code}") or ""
    form = AnswerForm(request.POST or None, initial=initial, language=proposal.language)
    if request.method == "POST" and form.is_valid():
        try:
            services.proposal_answer(
                moderator=request.user,
                proposal=proposal,
                answer=form.cleaned_data["answer"],
                reasons=form.reasons(),
            )
        except services.AgendaError as error:
            form.add_error(error.field if error.field in form.fields else None, str(error))
        else:
            messages.success(
                request, _("The answer is published; the author and supporters hear of it.")
            )
            return redirect(proposal)
    return render(
        request,
        "agenda/staff/answer.html",
        {"form": form, "proposal": proposal},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def item_edit(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(AgendaItem, pk=pk)
    form = AgendaItemForm(request.POST or None, instance=item)
    if request.method == "POST" and form.is_valid():
        services.agenda_item_save(moderator=request.user, form=form)
        messages.success(request, _("The agenda item is saved."))
        return redirect(item)
    return render(
        request,
        "agenda/staff/form.html",
        {"form": form, "heading": _("Edit the agenda item"), "item": item},
        status=400 if request.method == "POST" else 200,
    )


@moderator_required
@require_http_methods(["GET", "POST"])
def item_report(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_object_or_404(AgendaItem, pk=pk)
    form = ReportForm(
        request.POST or None, initial={"status": item.status, "progress": item.progress}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.agenda_item_report(
                moderator=request.user,
                item=item,
                status=form.cleaned_data["status"],
                progress=form.cleaned_data["progress"],
                bodies=form.bodies(),
            )
        except services.AgendaError as error:
            form.add_error(error.field, str(error))
        else:
            messages.success(request, _("The update is published; followers hear of it."))
            return redirect(item)
    return render(
        request,
        "agenda/staff/form.html",
        {"form": form, "heading": _("Report progress"), "item": item},
        status=400 if request.method == "POST" else 200,
    )
