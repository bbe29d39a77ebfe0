"""Pages of matchmaking: offers and needs, an initiative's collaboration page with its suggestions,
expressing interest, connections, joint projects, and the staff funnel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
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

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.pagecache import cache_page_for_visitors
from initiatives.models import Initiative
from initiatives.selectors import initiatives_managed_by, registry_version
from initiatives.services import can_manage

from . import forms, hooks, selectors, services
from .models import CollaborationPost, Connection, Project

PAGE_SIZE = 20


def _managed_initiative(request: AuthenticatedRequest, slug: str) -> Initiative:
    initiative = get_object_or_404(Initiative.objects.filter(revision_of=None), slug=slug)
    if not can_manage(user=request.user, initiative=initiative):
        raise PermissionDenied
    return initiative


# --- Offers and needs ---------------------------------------------------------------------------


# Offers, requests and projects name their initiatives and the registry's sectors.
VERSIONS = (selectors.collaboration_version, registry_version)


@require_GET
@cache_page_for_visitors(
    "matchmaking:list",
    version=VERSIONS,
    params=("direction", "kind", "topic", "sector", "country", "page"),
)
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
@cache_page_for_visitors("matchmaking:post", version=VERSIONS)
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
    if not can_manage(user=request.user, initiative=post.initiative):
        raise PermissionDenied
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
    form = forms.InterestForm(
        request.POST or None,
        managed=selectors.initiatives_published_managed_by(user=request.user).exclude(pk=target.pk),
        target_posts=selectors.posts_live_of(initiative=target),
        about=request.GET.get("post", ""),
    )
    refusal = services.connection_refusal(user=request.user, to_initiative=target)
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
            "stages": selectors.connection_stages(connection=connection),
        },
    )


# --- Joint projects -------------------------------------------------------------------------------


@require_GET
@cache_page_for_visitors(
    "matchmaking:projects",
    version=VERSIONS,
    params=("stage", "topic", "country", "forming", "page"),
)
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
    managed = selectors.initiatives_published_managed_by(user=request.user)
    if not managed.exists():
        messages.error(
            request, _("Only managers of a published initiative can open a joint project.")
        )
        return redirect("matchmaking:projects")
    # A project opened from a connection (`?connection=`): only its sides may build on it.
    connection = selectors.connection_accepted(pk=request.GET.get("connection", ""))
    own, others = selectors.connection_sides(connection=connection, managed=managed)
    if connection is not None and not own:
        raise PermissionDenied
    form = forms.ProjectCreateForm(
        request.POST or None,
        managed=managed,
        initial=forms.ProjectCreateForm.initial_for(
            language=request.user.language, connection=connection, own=own, others=others
        ),
    )
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


@dataclass(frozen=True)
class ProjectAction:
    """One button of a project's page: the page form it binds, the service it calls with the
    form's data, and what it says when done."""

    form: str
    call: Callable[..., Any]  # (project, user, cleaned data) -> Any
    done: Any  # a lazy message
    # A refusal of what someone typed shows on the form; that of a button, as a message.
    refusal_on_form: bool = False

    def done_message(self, data: dict[str, Any]) -> str:
        """The message, naming the initiative a partner's button answered for ("%(name)s")."""
        partner = data.get("partner")
        return str(self.done) % {"name": partner.initiative.name if partner else ""}


def _for_project(service: Callable[..., Any]) -> Callable[..., Any]:
    return lambda project, user, data: service(project=project, user=user, **data)


def _for_partner(service: Callable[..., Any], **answer: bool) -> Callable[..., Any]:
    return lambda project, user, data: service(partner=data["partner"], user=user, **answer)


PROJECT_ACTIONS = {
    "invite": ProjectAction(
        "invite",
        _for_project(services.project_invite),
        gettext_lazy("Invitation sent. The initiative appears once its managers confirm."),
        refusal_on_form=True,
    ),
    "join": ProjectAction(
        "join",
        _for_project(services.project_join_request),
        gettext_lazy("Request sent to the partners."),
        refusal_on_form=True,
    ),
    "update": ProjectAction(
        "update",
        _for_project(services.project_post_update),
        gettext_lazy("Update sent for review."),
        refusal_on_form=True,
    ),
    "stage": ProjectAction(
        "stage", _for_project(services.project_set_stage), gettext_lazy("Stage updated.")
    ),
    # An invited initiative's own managers confirm or decline its place...
    "confirm": ProjectAction(
        "partner",
        _for_partner(services.project_partner_confirm, confirm=True),
        gettext_lazy("Confirmed: %(name)s is now a partner."),
    ),
    "decline": ProjectAction(
        "partner",
        _for_partner(services.project_partner_confirm, confirm=False),
        gettext_lazy("Declined."),
    ),
    # ...and the partners take in, or not, an initiative that asked to join.
    "accept": ProjectAction(
        "partner", _for_partner(services.project_partner_accept, accept=True), gettext_lazy("Done.")
    ),
    "refuse": ProjectAction(
        "partner",
        _for_partner(services.project_partner_accept, accept=False),
        gettext_lazy("Done."),
    ),
}


def _project_act(request: HttpRequest, project: Project, action: ProjectAction, form: Any) -> bool:
    """Carry out one button of the project page: True when done (redirect), False to show the
    page again with the form's errors."""
    if not form.is_valid():
        if action.form == "partner":
            raise Http404  # no such invitation or request in this project
        return False
    try:
        action.call(project, request.user, form.cleaned_data)
    except services.MatchmakingError as error:
        if action.refusal_on_form:
            form.add_error(None, str(error))
            return False
        messages.error(request, str(error))
        return True
    messages.success(request, action.done_message(form.cleaned_data))
    return True


# What other apps add to a project's page (meetings, resources) joins the key through also_shows().
@cache_page_for_visitors("matchmaking:project", version=VERSIONS)
def project_detail(request: HttpRequest, slug: str) -> HttpResponse:
    project = selectors.project_for_page(slug=slug, viewer=request.user)
    if project is None:
        raise Http404
    action = None
    if request.method == "POST":
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        action = PROJECT_ACTIONS.get(request.POST.get("action", ""))
        if action is None:
            raise Http404
    # Access to each action is the service's: it refuses (403) whoever may not do it.
    viewer = selectors.project_viewer(project=project, user=request.user)
    page_forms = forms.project_page_forms(
        project=project, viewer=viewer, action_form=action.form if action else "", data=request.POST
    )
    if action is not None and _project_act(request, project, action, page_forms[action.form]):
        return redirect("matchmaking:project", slug=project.slug)
    return render(
        request,
        "matchmaking/project_detail.html",
        {
            "project": project,
            "is_partner": viewer.is_partner,
            "waiting": viewer.waiting,
            "my_invitations": viewer.invitations,
            "updates": selectors.project_updates_public(project=project),
            "review_updates": selectors.project_updates_in_review(project=project)
            if viewer.is_partner or viewer.is_moderator
            else [],
            "invite_form": page_forms["invite"],
            "join_form": page_forms["join"]
            if viewer.joinable.exists() and project.is_forming
            else None,
            "update_form": page_forms["update"],
            "stage_form": page_forms["stage"],
            "countries": selectors.project_countries(project=project),
            # Meetings and library resources linked by their own apps (see hooks.py).
            "sections": hooks.render_project_sections(request, project),
            "is_moderator": viewer.is_moderator,
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def project_edit(request: AuthenticatedRequest, slug: str) -> HttpResponse:
    project = get_object_or_404(Project, slug=slug)
    if not selectors.can_manage_project(user=request.user, project=project):
        raise PermissionDenied
    form = forms.ProjectEditForm(
        request.POST or None, initial=forms.ProjectEditForm.initial_from(project)
    )
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
