"""Pages of matchmaking: offers and needs, an initiative's collaboration page with its suggestions,
expressing interest, connections, joint projects, and the staff funnel."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from iapt_platform.accounts import roles
from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from initiatives.models import Initiative
from initiatives.selectors import initiatives_managed_by
from initiatives.services import can_manage

from . import forms, hooks, selectors, services
from .models import CollaborationPost, Connection, Project, ProjectPartner

PAGE_SIZE = 20


def _managed_published(user) -> Any:
    return Initiative.objects.published().filter(managers=user).order_by("name")


def _managed_initiative(request: AuthenticatedRequest, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative.objects.filter(revision_of=None), slug=slug)
    if not can_manage(user=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


# --- Offers and needs ---------------------------------------------------------------------------


@require_GET
def post_list(request: HttpRequest) -> HttpResponse:
    filters = forms.PostFilterForm(request.GET or None)
    values = filters.values()
    posts = selectors.post_list_public(**values)
    page = Paginator(posts, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "matchmaking/post_list.html",
        {"filters": filters, "page": page, "query": urlencode(values)},
    )


@require_GET
def post_detail(request: HttpRequest, pk: int) -> HttpResponse:
    post = selectors.post_for_page(pk=pk, viewer=request.user)
    if post is None:
        raise Http404
    return render(
        request,
        "matchmaking/post_detail.html",
        {"post": post, "can_manage": can_manage(user=request.user, initiative=post.initiative)},
    )


@login_required
def post_create(request: AuthenticatedRequest, slug: str, direction: str) -> HttpResponse:
    initiative = _managed_initiative(request, slug)
    if direction not in CollaborationPost.Direction.values:
        raise Http404
    form = forms.PostForm(
        request.POST or None,
        direction=direction,
        initial={"text_language": request.user.language or "es"},
    )
    if request.method == "POST" and form.is_valid():
        try:
            post = services.post_create(
                initiative=initiative, user=request.user, data=form.service_data()
            )
        except services.MatchmakingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Sent for review. It is public once staff approve it (usually in a day)."),
            )
            return redirect("matchmaking:post", pk=post.pk)
    return render(
        request,
        "matchmaking/post_form.html",
        {"form": form, "initiative": initiative, "direction": direction, "post": None},
    )


@login_required
def post_edit(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(CollaborationPost.objects.select_related("initiative"), pk=pk)
    if not can_manage(user=request.user, initiative=post.initiative):
        raise PermissionDenied
    form = forms.PostForm(
        request.POST or None, direction=post.direction, initial=forms.PostForm.initial_from(post)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.post_update(post=post, user=request.user, data=form.service_data())
        except services.MatchmakingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Changes sent for review."))
            return redirect("matchmaking:post", pk=post.pk)
    return render(
        request,
        "matchmaking/post_form.html",
        {
            "form": form,
            "initiative": post.initiative,
            "direction": post.direction,
            "post": post,
        },
    )


@require_POST
@login_required
def post_withdraw(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(CollaborationPost.objects.select_related("initiative"), pk=pk)
    services.post_withdraw(post=post, user=request.user)
    messages.success(request, _("Withdrawn: it no longer appears anywhere."))
    return redirect("matchmaking:initiative", slug=post.initiative.slug)


# --- An initiative's collaboration page -----------------------------------------------------------


@login_required
def initiative_page(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    """For the initiative's managers: its posts, suggestions, connections, projects."""
    initiative = _managed_initiative(request, slug)
    return render(
        request,
        "matchmaking/initiative.html",
        {
            "initiative": initiative,
            "posts": selectors.posts_of_initiative(initiative=initiative),
            "suggestions": selectors.suggestions_for(initiative=initiative),
            "connections": selectors.connections_of_initiative(initiative=initiative),
            "projects": selectors.projects_of_initiative(initiative=initiative),
            "invitations": selectors.project_invitations_for(initiative=initiative),
        },
    )


@login_required
def interest(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    target = get_object_or_404(Initiative.objects.published(), slug=slug)
    managed = _managed_published(request.user).exclude(pk=target.pk)
    target_posts = CollaborationPost.objects.live().filter(initiative=target)
    post_id = request.GET.get("post", "")
    initial = {"post": post_id} if post_id.isdigit() else {}
    form = forms.InterestForm(
        request.POST or None, managed=managed, target_posts=target_posts, initial=initial
    )
    refusal = ""
    if can_manage(user=request.user, initiative=target):
        refusal = _("You manage %(name)s yourself: express interest in another initiative.") % {
            "name": target.name
        }
    elif not managed.exists():
        refusal = _(
            "Only managers of a published initiative can express interest. "
            "Register your initiative first, or ask to manage it."
        )
    if request.method == "POST" and not refusal and form.is_valid():
        try:
            connection = services.connection_create(
                user=request.user,
                from_initiative=form.cleaned_data["from_initiative"],
                to_initiative=target,
                message=form.cleaned_data["message"],
                post=form.cleaned_data["post"],
            )
        except services.MatchmakingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Sent. %(name)s gets your message by email and can accept or decline.")
                % {"name": target.name},
            )
            return redirect("matchmaking:connection", pk=connection.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "matchmaking/interest.html",
        {"form": form, "target": target, "refusal": refusal},
        status=status,
    )


# --- Connections ----------------------------------------------------------------------------------


@login_required
def mine(request: AuthenticatedRequest) -> HttpResponse:
    """The signed-in manager's collaboration: their initiatives and every connection."""
    return render(
        request,
        "matchmaking/mine.html",
        {
            "initiatives": initiatives_managed_by(user=request.user).filter(
                status=Initiative.Status.PUBLISHED
            ),
            "connections": selectors.connections_for_user(user=request.user),
        },
    )


@login_required
def connection_detail(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    connection = get_object_or_404(
        Connection.objects.select_related("from_initiative", "to_initiative", "post"), pk=pk
    )
    is_sender = can_manage(user=request.user, initiative=connection.from_initiative)
    is_receiver = can_manage(user=request.user, initiative=connection.to_initiative)
    if not (is_sender or is_receiver):
        raise PermissionDenied
    stage_form = forms.ConnectionStageForm(
        request.POST if request.POST.get("action") == "stage" else None
    )
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action in ("accept", "decline"):
                services.connection_decide(
                    connection=connection, user=request.user, accept=action == "accept"
                )
                messages.success(
                    request,
                    _("Accepted: you now see each other's contact details.")
                    if action == "accept"
                    else _("Declined. They are told, without your contact details."),
                )
                return redirect("matchmaking:connection", pk=pk)
            if action == "stage" and stage_form.is_valid():
                services.connection_set_stage(
                    connection=connection, user=request.user, stage=stage_form.cleaned_data["stage"]
                )
                messages.success(request, _("Outcome recorded."))
                return redirect("matchmaking:connection", pk=pk)
        except services.MatchmakingError as error:
            messages.error(request, str(error))
            return redirect("matchmaking:connection", pk=pk)
    return render(
        request,
        "matchmaking/connection.html",
        {
            "connection": connection,
            "is_sender": is_sender,
            "is_receiver": is_receiver,
            "contact": selectors.shared_contact(connection=connection, viewer=request.user),
            "stage_form": stage_form,
            "stages": [
                (value, label, getattr(connection, f"{value}_at"))
                for value, label in Connection.Stage.choices
                if value
            ],
        },
    )


# --- Joint projects -------------------------------------------------------------------------------


@require_GET
def project_list(request: HttpRequest) -> HttpResponse:
    filters = forms.ProjectFilterForm(request.GET or None)
    values = filters.values()
    page = Paginator(selectors.project_list_public(**values), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    query = urlencode({k: ("on" if v is True else v) for k, v in values.items()})
    return render(
        request, "matchmaking/project_list.html", {"filters": filters, "page": page, "query": query}
    )


@login_required
def project_create(request: AuthenticatedRequest) -> HttpResponse:
    managed = _managed_published(request.user)
    if not managed.exists():
        messages.error(
            request, _("Only managers of a published initiative can open a joint project.")
        )
        return redirect("matchmaking:projects")
    connection = None
    initial: dict[str, Any] = {"text_language": request.user.language or "es", "stage": "idea"}
    connection_id = request.GET.get("connection", "")
    if connection_id.isdigit():
        connection = Connection.objects.filter(
            pk=connection_id, status=Connection.Status.ACCEPTED
        ).first()
        if connection is not None:
            own = [
                i for i in (connection.from_initiative, connection.to_initiative) if i in managed
            ]
            other = [
                i for i in (connection.from_initiative, connection.to_initiative) if i not in own
            ]
            if not own:
                raise PermissionDenied
            initial.update(
                lead=own[0],
                partners=other,
                topics=list(connection.topics.all()),
                stage=Project.Stage.CONSORTIUM,
            )
    form = forms.ProjectCreateForm(request.POST or None, managed=managed, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            project = services.project_create(
                user=request.user,
                lead=data["lead"],
                data=data,
                partners=data["partners"],
                connection=connection,
            )
        except services.MatchmakingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "Project sent for review. Invited partners appear once their own managers "
                    "confirm."
                ),
            )
            return redirect("matchmaking:project", slug=project.slug)
    return render(request, "matchmaking/project_form.html", {"form": form, "project": None})


PROJECT_ACTIONS = {"invite", "join", "update", "stage", "confirm", "decline", "accept", "refuse"}


def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = selectors.project_for_page(slug=slug, viewer=request.user)
    if project is None:
        raise Http404
    user = request.user
    is_partner = services.can_manage_project(user=user, project=project)
    managed = _managed_published(user) if user.is_authenticated else Initiative.objects.none()
    partner_ids = set(project.partners.values_list("initiative_id", flat=True))
    joinable = managed.exclude(pk__in=partner_ids)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    bound = request.POST if action else None
    invite_form = forms.InviteForm(bound if action == "invite" else None)
    join_form = forms.JoinForm(bound if action == "join" else None, managed=joinable)
    update_form = forms.UpdateForm(
        bound if action == "update" else None,
        partners=services.active_partner_initiatives(project).filter(managers=user)
        if user.is_authenticated
        else Initiative.objects.none(),
    )
    stage_form = forms.ProjectStageForm(
        bound if action == "stage" else None, initial={"stage": project.stage}
    )
    if request.method == "POST":
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if action not in PROJECT_ACTIONS:
            raise Http404
        done = _project_action(
            request, project, action, invite_form, join_form, update_form, stage_form
        )
        if done:
            return redirect("matchmaking:project", slug=project.slug)
    waiting = selectors.project_waiting_partners(project=project) if user.is_authenticated else []
    return render(
        request,
        "matchmaking/project_detail.html",
        {
            "project": project,
            "is_partner": is_partner,
            "waiting": waiting,
            "my_invitations": [p for p in waiting if not p.confirmed and p.initiative in managed],
            "updates": selectors.project_updates_public(project=project),
            "review_updates": project.updates.filter(status="in_review").select_related(
                "initiative"
            )
            if is_partner or (user.is_authenticated and roles.is_moderator(user))
            else [],
            "invite_form": invite_form,
            "join_form": join_form if joinable.exists() and project.is_forming else None,
            "update_form": update_form,
            "stage_form": stage_form,
            "countries": _project_countries(project),
            # Meetings and library resources linked by their own apps (see hooks.py).
            "sections": hooks.render_project_sections(request, project),
            "is_moderator": user.is_authenticated and roles.is_moderator(user),
        },
        status=400 if request.method == "POST" else 200,
    )


def _project_countries(project: Project) -> list:
    """The countries the project names, then those of its partners, once each."""
    seen, result = set(), []
    for country in list(project.countries) + [
        p.initiative.country
        for p in project.active_partners  # type: ignore[attr-defined]
    ]:
        if country.code not in seen:
            seen.add(country.code)
            result.append(country)
    return result


def _project_action(request, project, action, invite_form, join_form, update_form, stage_form):
    """Carry out one form of the project page; True when done (redirect), False to re-render."""
    user = request.user
    try:
        if action in ("confirm", "decline", "accept", "refuse"):
            partner = get_object_or_404(
                ProjectPartner.objects.select_related("initiative", "project"),
                pk=request.POST.get("partner", "0") or 0,
                project=project,
            )
            if action in ("confirm", "decline"):
                services.project_partner_confirm(
                    partner=partner, user=user, confirm=action == "confirm"
                )
                messages.success(
                    request,
                    _("Confirmed: %(name)s is now a partner.") % {"name": partner.initiative.name}
                    if action == "confirm"
                    else _("Declined."),
                )
            else:
                services.project_partner_accept(
                    partner=partner, user=user, accept=action == "accept"
                )
                messages.success(request, _("Done."))
            return True
        if action == "invite" and invite_form.is_valid():
            services.project_invite(
                project=project,
                user=user,
                initiative=invite_form.cleaned_data["initiative"],
                message=invite_form.cleaned_data["message"],
            )
            messages.success(
                request, _("Invitation sent. The initiative appears once its managers confirm.")
            )
            return True
        if action == "join" and join_form.is_valid():
            services.project_join_request(
                project=project,
                user=user,
                initiative=join_form.cleaned_data["initiative"],
                message=join_form.cleaned_data["message"],
            )
            messages.success(request, _("Request sent to the partners."))
            return True
        if action == "update" and update_form.is_valid():
            services.project_post_update(
                project=project,
                user=user,
                initiative=update_form.cleaned_data["initiative"],
                text=update_form.cleaned_data["text"],
            )
            messages.success(request, _("Update sent for review."))
            return True
        if action == "stage" and stage_form.is_valid():
            services.project_set_stage(
                project=project, user=user, stage=stage_form.cleaned_data["stage"]
            )
            messages.success(request, _("Stage updated."))
            return True
    except services.MatchmakingError as error:
        form = {"invite": invite_form, "join": join_form, "update": update_form}.get(action)
        if form is None:
            messages.error(request, str(error))
            return True
        form.add_error(None, str(error))
    return False


@login_required
def project_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    if not services.can_manage_project(user=request.user, project=project):
        raise PermissionDenied
    pending = project.pending_changes or {}
    initial = {
        "title": pending.get("title", project.title),
        "summary": pending.get("summary", project.summary),
        "call_to_join": pending.get("call_to_join", project.call_to_join),
        "results": pending.get("results", project.results),
        "text_language": project.text_language,
        "topics": pending.get("topics") or list(project.topics.all()),
        "countries": pending.get("countries") or [c.code for c in project.countries],
    }
    form = forms.ProjectEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.project_edit(project=project, user=request.user, data=form.cleaned_data)
        except services.MatchmakingError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Changes sent for review. The page shows the approved text until then."),
            )
            return redirect("matchmaking:project", slug=project.slug)
    return render(request, "matchmaking/project_form.html", {"form": form, "project": project})


# --- Staff ----------------------------------------------------------------------------------------


FUNNEL_LABELS = [
    ("sent", gettext_lazy("Requests")),
    ("accepted", gettext_lazy("Accepted")),
    ("contacted", gettext_lazy("Contacted")),
    ("met", gettext_lazy("Met")),
    ("agreement", gettext_lazy("Agreement signed")),
    ("joint_project", gettext_lazy("Joint project")),
]


@require_GET
@moderator_required
def funnel(request: HttpRequest) -> HttpResponse:
    """Staff's view of the connections: counts at each stage, by country and by topic."""
    keys = [key for key, _label in FUNNEL_LABELS]

    def rows(funnel_rows):
        return [{"label": r.label, "cells": [r.counts[k] for k in keys]} for r in funnel_rows]

    totals = selectors.funnel_totals()
    return render(
        request,
        "matchmaking/funnel.html",
        {
            "columns": FUNNEL_LABELS,
            "totals": [totals[k] for k in keys],
            "tables": [
                (_("By country"), rows(selectors.funnel_by_country())),
                (_("By topic"), rows(selectors.funnel_by_topic())),
            ],
        },
    )
