"""Promoters' pages: the guided registration, edits, co-managers, freshness confirmation."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from iapt_platform.accounts import privacy, roles
from iapt_platform.lib.http import AuthenticatedRequest

from .. import presenters, selectors, services
from ..forms import REVIEW_STEP, STEPS, InviteForm, ManagementRequestForm, StartForm
from ..models import Initiative


def _draft_for(request: AuthenticatedRequest, pk: int) -> Initiative:
    """A draft the signed-in user manages; 404 if it does not exist, 403 if it is someone else's."""
    initiative = get_object_or_404(
        Initiative.objects.exclude(status=Initiative.Status.PUBLISHED), pk=pk
    )
    if not services.can_manage(user=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


def _published_managed(request: AuthenticatedRequest, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    if not services.can_manage(user=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


@login_required
def my_initiatives(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "initiatives/mine.html",
        {"initiatives": selectors.initiatives_managed_by(user=request.user)},
    )


@login_required
def register_start(request: AuthenticatedRequest) -> HttpResponse:
    """Before the first step: look for duplicates, then create the draft."""
    form = StartForm(request.POST or None)
    duplicates: list[Initiative] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if "confirm_new" not in request.POST:
            duplicates = selectors.initiative_possible_duplicates(
                name=data["name"], country=data["country"], website=data["website"]
            )
        if not duplicates:
            initiative = services.initiative_start(user=request.user, **data)
            messages.success(request, _("Draft saved. Continue with the details."))
            return redirect("initiatives:draft_step", pk=initiative.pk, step=1)
    return render(
        request, "initiatives/register_start.html", {"form": form, "duplicates": duplicates}
    )


@login_required
def draft_step(request: AuthenticatedRequest, pk: int, step: int) -> HttpResponse:
    initiative = _draft_for(request, pk)
    if step == REVIEW_STEP:
        return redirect("initiatives:draft_preview", pk=pk)
    if not 1 <= step <= len(STEPS) or step > initiative.draft_step:
        raise Http404
    if not initiative.is_editable_draft:
        messages.info(
            request,
            _("This initiative is in review: you can edit it again if staff ask for changes."),
        )
        return redirect("initiatives:draft_preview", pk=pk)
    form_class = STEPS[step - 1]
    form = form_class(request.POST or None, request.FILES or None, instance=initiative)
    if request.method == "POST":
        valid = form.is_valid()
        # The step is saved even when a field needs fixing (the form says what can be kept);
        # the draft moves on to the next step only when the whole step is valid.
        fresh = Initiative.objects.get(pk=initiative.pk)
        try:
            services.initiative_save_step(
                initiative=fresh,
                user=request.user,
                data=form.savable_data(),
                step=step if valid else step - 1,
            )
        except services.RegistryError as error:
            messages.error(request, str(error))
            return redirect("initiatives:draft_preview", pk=pk)
        except ValidationError as error:
            form.add_model_errors(error)
            valid = False
        if valid:
            if "save_draft" in request.POST:
                messages.success(request, _("Draft saved."))
                return redirect("initiatives:draft_step", pk=pk, step=step)
            return redirect("initiatives:draft_step", pk=pk, step=step + 1)
        messages.error(
            request, _("Some fields need your attention. The rest of the draft was saved.")
        )
    return render(
        request,
        "initiatives/draft_step.html",
        {"initiative": initiative, "form": form, "step": step, "steps": _steps(initiative, step)},
    )


def _steps(initiative: Initiative, current: int) -> list[dict]:
    items = [{"number": i, "title": form.step_title} for i, form in enumerate(STEPS, start=1)]
    items.append({"number": REVIEW_STEP, "title": _("Review and submit")})
    for item in items:
        item["current"] = item["number"] == current
        item["reachable"] = item["number"] <= initiative.draft_step
    return items


@login_required
def draft_preview(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    initiative = get_object_or_404(
        Initiative.objects.exclude(status=Initiative.Status.PUBLISHED), pk=pk
    )
    is_manager = services.can_manage(user=request.user, initiative=initiative)
    if not (is_manager or roles.is_moderator(request.user)):
        raise PermissionDenied
    return render(
        request,
        "initiatives/draft_preview.html",
        {
            "initiative": initiative,
            "is_manager": is_manager,
            "missing": services.missing_for_submission(initiative),
            "steps": _steps(initiative, REVIEW_STEP),
            # Its managers and the moderators who review it see the draft whole.
            "contact": presenters.visible_contact(
                initiative=initiative, audience=privacy.Audience.OWNER
            ),
            "history": initiative.history.select_related("history_user").order_by("-history_date")[
                :20
            ],
        },
    )


@login_required
@require_POST
def draft_submit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    initiative = _draft_for(request, pk)
    try:
        services.initiative_submit(initiative=initiative, user=request.user)
    except services.RegistryError as error:
        messages.error(request, str(error))
        return redirect("initiatives:draft_preview", pk=pk)
    messages.success(
        request, _("Submitted. Staff will review it and you will get an email with their decision.")
    )
    return redirect("initiatives:mine")


@login_required
@require_POST
def edit_start(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    initiative = _published_managed(request, slug)
    revision = services.initiative_start_edit(initiative=initiative, user=request.user)
    if revision.is_editable_draft:
        return redirect("initiatives:draft_step", pk=revision.pk, step=1)
    return redirect("initiatives:draft_preview", pk=revision.pk)


@login_required
def managers(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    initiative = _managed_by_slug(request, slug)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.initiative_invite(
                initiative=initiative, inviter=request.user, email=form.cleaned_data["email"]
            )
        except services.RegistryError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("Invitation sent to %(email)s.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("initiatives:managers", slug=slug)
    return render(
        request,
        "initiatives/managers.html",
        {
            "initiative": initiative,
            "form": form,
            "managers": initiative.managers.order_by("email"),
            "invitations": initiative.invitations.filter(accepted_at=None).order_by("-created_at"),
        },
    )


def _managed_by_slug(request: AuthenticatedRequest, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative, slug=slug, revision_of=None)
    if not services.can_manage(user=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


@login_required
def request_management(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    initiative = get_object_or_404(Initiative.objects.published(), slug=slug)
    form = ManagementRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.management_request_create(
                initiative=initiative, user=request.user, message=form.cleaned_data["message"]
            )
        except services.RegistryError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your request was sent to staff. You will get an email with their decision."),
            )
            return redirect(initiative.get_absolute_url())
    return render(
        request, "initiatives/request_management.html", {"initiative": initiative, "form": form}
    )


@login_required
def invitation_accept(request: AuthenticatedRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_from_token(token)
    except services.RegistryError as error:
        return render(request, "initiatives/invitation.html", {"error": str(error)}, status=400)
    if request.method == "POST":
        try:
            initiative = services.invitation_accept(token=token, user=request.user)
        except services.RegistryError as error:
            return render(request, "initiatives/invitation.html", {"error": str(error)}, status=400)
        messages.success(request, _("You now co-manage %(name)s.") % {"name": initiative.name})
        return redirect("initiatives:mine")
    return render(request, "initiatives/invitation.html", {"invitation": invitation})


def confirm_fresh(request: HttpRequest, token: str) -> HttpResponse:
    """The one-click link of the yearly freshness email. GET shows a button: scanners fetch GETs."""
    if request.method == "POST":
        try:
            initiative = services.initiative_confirm_fresh(token=token)
        except services.RegistryError as error:
            return render(
                request, "initiatives/confirm_fresh.html", {"error": str(error)}, status=400
            )
        return render(
            request, "initiatives/confirm_fresh.html", {"initiative": initiative, "done": True}
        )
    return render(request, "initiatives/confirm_fresh.html", {"token": token})
