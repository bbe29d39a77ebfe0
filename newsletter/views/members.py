"""Members: the bulletin on their account page, and items they propose for it."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from iapt_platform.accounts import roles
from iapt_platform.lib.http import AuthenticatedRequest

from .. import selectors
from ..forms import AccountSubscribeForm, ContributionForm
from ..models import Contribution, Subscriber
from ..services import contributions as contribution_services
from ..services import subscribers as subscriber_services


def _subscription_of(user) -> Subscriber | None:
    return (
        Subscriber.objects.filter(
            Q(user=user) | Q(email=subscriber_services.normalise_email(user.email))
        )
        .prefetch_related("topics")
        .order_by("-user_id")
        .first()
    )


@login_required
@require_http_methods(["GET", "POST"])
def account(request: AuthenticatedRequest) -> HttpResponse:
    subscriber = _subscription_of(request.user)
    initial = {
        "language": subscriber.language if subscriber else request.user.language,
        "topics": list(subscriber.topics.all()) if subscriber else [],
    }
    form = AccountSubscribeForm(request.POST or None, initial=initial)
    if request.method == "POST":
        action = request.POST.get("action", "subscribe")
        if action in ("pause", "resume", "leave") and subscriber is not None:
            {
                "pause": subscriber_services.subscriber_pause,
                "resume": subscriber_services.subscriber_resume,
                "leave": subscriber_services.subscriber_unsubscribe,
            }[action](subscriber=subscriber)
            messages.success(request, _("Your bulletin subscription is updated."))
            return redirect("newsletter:account")
        if form.is_valid():
            subscriber = subscriber_services.subscriber_from_account(
                user=request.user,
                language=form.cleaned_data["language"],
                topics=form.cleaned_data["topics"],
                account_url=request.build_absolute_uri(reverse("newsletter:account")),
            )
            if subscriber.status == Subscriber.Status.CONFIRMED:
                messages.success(request, _("You receive the bulletin. Your choices are saved."))
            else:
                messages.success(
                    request, _("Almost done: follow the link we sent to your email address.")
                )
            return redirect("newsletter:account")
    return render(request, "newsletter/account.html", {"subscriber": subscriber, "form": form})


@login_required
def proposals(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "newsletter/proposals.html",
        {
            "contributions": selectors.contributions_of(user=request.user),
            "can_propose": contribution_services.can_propose(request.user),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_new(request: AuthenticatedRequest) -> HttpResponse:
    if not contribution_services.can_propose(request.user):
        raise PermissionDenied
    form = ContributionForm(
        request.POST or None, user=request.user, initial={"language": request.user.language}
    )
    if request.method == "POST" and form.is_valid():
        contribution = contribution_services.contribution_submit(
            user=request.user, data=form.cleaned_data
        )
        messages.success(
            request, _("Thank you. Staff will review your item before it goes into a bulletin.")
        )
        return redirect("newsletter:contribution", pk=contribution.pk)
    return render(request, "newsletter/proposal_form.html", {"form": form})


def _contribution_for(request: AuthenticatedRequest, pk: int) -> Contribution:
    contribution = get_object_or_404(Contribution.objects.select_related("initiative"), pk=pk)
    if contribution.submitted_by_id != request.user.pk and not roles.is_moderator(request.user):
        raise PermissionDenied
    return contribution


@login_required
def contribution(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = _contribution_for(request, pk)
    return render(
        request,
        "newsletter/contribution.html",
        {
            "contribution": item,
            "can_edit": item.submitted_by_id == request.user.pk
            and item.status in (Contribution.Status.PENDING, Contribution.Status.CHANGES_REQUESTED),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def proposal_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    item = _contribution_for(request, pk)
    if item.submitted_by_id != request.user.pk:
        raise PermissionDenied
    form = ContributionForm(request.POST or None, instance=item, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            contribution_services.contribution_update(
                contribution=Contribution.objects.get(pk=item.pk),
                user=request.user,
                data=form.cleaned_data,
            )
        except contribution_services.ContributionError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your changes went back to staff for review."))
        return redirect("newsletter:contribution", pk=item.pk)
    return render(request, "newsletter/proposal_form.html", {"form": form, "contribution": item})
