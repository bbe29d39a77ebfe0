"""Writes of matchmaking: offers and needs, connections between initiatives, joint projects, and the
moderation callbacks for each (registered in apps.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from iapt_platform.accounts.models import User
from iapt_platform.lib import emails
from iapt_platform.moderation.services import moderation_submit
from initiatives.models import Initiative
from initiatives.services import can_manage

from . import announcements
from .models import (
    CollaborationPost,
    Connection,
    Project,
    ProjectPartner,
    ProjectUpdate,
    Submitted,
    Topic,
)
from .selectors import (
    can_manage_project,
    initiatives_published_managed_by,
    project_partner_initiatives,
)


class MatchmakingError(ValueError):
    """A refused action, with a message for the person who tried it."""


def _managers(initiative: Initiative) -> QuerySet[User]:
    return initiative.managers.filter(is_active=True)


def _published(initiative: Initiative) -> bool:
    return initiative.status == Initiative.Status.PUBLISHED and initiative.revision_of_id is None


def _require_manager(user: User, initiative: Initiative) -> None:
    if not can_manage(user=user, initiative=initiative):
        raise PermissionDenied


def _require_connection_side(user: User, connection: Connection) -> None:
    """Either side of a connection may record its outcome or build a project on it."""
    if not (
        can_manage(user=user, initiative=connection.from_initiative)
        or can_manage(user=user, initiative=connection.to_initiative)
    ):
        raise PermissionDenied


# --- Offers and needs ---------------------------------------------------------------------------

POST_FIELDS = ("direction", "kind", "title", "text", "text_language", "countries", "expires_at")


@transaction.atomic
def post_create(*, initiative: Initiative, user: User, data: dict[str, Any]) -> CollaborationPost:
    """A new offer or need, sent to the moderation queue."""
    _require_manager(user, initiative)
    if not _published(initiative):
        raise MatchmakingError(
            _("Offers and needs can be published once the initiative itself is published.")
        )
    post = CollaborationPost(initiative=initiative, created_by=user)
    return _post_save(post=post, user=user, data=data)


@transaction.atomic
def post_update(*, post: CollaborationPost, user: User, data: dict[str, Any]) -> CollaborationPost:
    """An edit sends the post back to review (a published one leaves the lists until approved)."""
    _require_manager(user, post.initiative)
    if post.status in (CollaborationPost.Status.REJECTED, CollaborationPost.Status.WITHDRAWN):
        raise MatchmakingError(_("This post is closed. Publish a new one instead."))
    return _post_save(post=post, user=user, data=data)


def _post_save(*, post: CollaborationPost, user: User, data: dict[str, Any]) -> CollaborationPost:
    for name in POST_FIELDS:
        if name in data:
            setattr(post, name, data[name])
    post.status = CollaborationPost.Status.IN_REVIEW
    post.save()
    post.topics.set(data["topics"])
    post.sectors.set(data.get("sectors") or [])
    moderation_submit(obj=post, kind="collaboration_post", submitted_by=user)
    return post


@transaction.atomic
def post_withdraw(*, post: CollaborationPost, user: User) -> CollaborationPost:
    _require_manager(user, post.initiative)
    post.status = CollaborationPost.Status.WITHDRAWN
    post.save(update_fields=["status", "updated_at"])
    return post


ModerationCallback = Callable[..., None]


def _moderation_outcome(status: str, *, publish: bool = False) -> ModerationCallback:
    """The moderation queue's callback that gives the reviewed object `status`. A submission also
    keeps the time of its last change and, when `publish`, of its first publication."""

    def decide(
        obj: CollaborationPost | Project | ProjectUpdate, *, moderator: User, comment: str
    ) -> None:
        obj.status = status
        fields = ["status"]
        if isinstance(obj, Submitted):
            fields.append("updated_at")
            if publish:
                obj.published_at = obj.published_at or timezone.now()
                fields.append("published_at")
        obj.save(update_fields=fields)

    return decide


_post_publish = _moderation_outcome(CollaborationPost.Status.PUBLISHED, publish=True)


def post_approve(obj: CollaborationPost, *, moderator: User, comment: str) -> None:
    """Published, and news for those who follow its initiative, countries, sectors or topics
    (the first time only: an approved change of a live post is not news)."""
    first_time = obj.published_at is None
    _post_publish(obj, moderator=moderator, comment=comment)
    if first_time:
        announcements.post_announce(post=obj)


post_request_changes = _moderation_outcome(CollaborationPost.Status.CHANGES_REQUESTED)
post_reject = _moderation_outcome(CollaborationPost.Status.REJECTED)


# --- Connections ----------------------------------------------------------------------------------


def _open_between(a: Initiative, b: Initiative) -> Connection | None:
    return (
        Connection.objects.filter(
            from_initiative=a, to_initiative=b, status__in=Connection.OPEN_STATUSES
        )
        .order_by("-created_at")
        .first()
    )


def connection_topics(*, from_initiative: Initiative, to_initiative: Initiative) -> set[int]:
    """The topics on which one side's live needs meet the other's live offers."""
    live = CollaborationPost.objects.live()
    pairs = {
        (initiative_id, direction, kind, topic)
        for initiative_id, direction, kind, topic in live.filter(
            initiative__in=[from_initiative, to_initiative]
        ).values_list("initiative_id", "direction", "kind", "topics__id")
    }
    found = set()
    for _a, direction, kind, topic in pairs:
        if _a == from_initiative.pk:
            opposite = "offer" if direction == "need" else "need"
            if (to_initiative.pk, opposite, kind, topic) in pairs:
                found.add(topic)
    return found


def connection_refusal(*, user: User, to_initiative: Initiative) -> str:
    """Why this user may not express interest in `to_initiative` at all, or "" if they may: the
    interest page says it before anyone writes, and `connection_create` refuses with it."""
    if can_manage(user=user, initiative=to_initiative):
        return _("You manage %(name)s yourself: express interest in another initiative.") % {
            "name": to_initiative.name
        }
    if not initiatives_published_managed_by(user=user).exists():
        return _(
            "Only managers of a published initiative can express interest. "
            "Register your initiative first, or ask to manage it."
        )
    return ""


@transaction.atomic
def connection_create(
    *,
    user: User,
    from_initiative: Initiative | None,
    to_initiative: Initiative,
    message: str,
    post: CollaborationPost | None = None,
) -> Connection:
    """A manager of `from_initiative` expresses interest in `to_initiative`; its managers hear by
    email. Nothing of either side's contact details travels until they accept."""
    refusal = connection_refusal(user=user, to_initiative=to_initiative)
    if refusal:
        raise MatchmakingError(refusal)
    if from_initiative is None:
        raise MatchmakingError(_("Choose the initiative you write for."))
    _require_manager(user, from_initiative)
    if not _published(from_initiative) or not _published(to_initiative):
        raise MatchmakingError(_("Both initiatives must be published in the registry."))
    message = message.strip()
    if not message:
        raise MatchmakingError(_("Write a message: say what you propose."))
    # Lock both initiatives in a fixed order so that two simultaneous requests cannot both pass.
    list(
        Initiative.objects.select_for_update()
        .filter(pk__in=[from_initiative.pk, to_initiative.pk])
        .order_by("pk")
    )
    existing = _open_between(from_initiative, to_initiative)
    if existing is not None:
        raise MatchmakingError(
            _("%(from)s already wrote to %(to)s (%(status)s).")
            % {
                "from": from_initiative.name,
                "to": to_initiative.name,
                "status": existing.get_status_display(),
            }
        )
    reverse_open = _open_between(to_initiative, from_initiative)
    if reverse_open is not None:
        raise MatchmakingError(
            _("%(to)s already wrote to %(from)s: answer its message instead.")
            % {"from": from_initiative.name, "to": to_initiative.name}
            if reverse_open.status == Connection.Status.PENDING
            else _("%(from)s and %(to)s are already connected.")
            % {"from": from_initiative.name, "to": to_initiative.name}
        )
    if post is not None and post.initiative_id not in (from_initiative.pk, to_initiative.pk):
        post = None
    try:
        with transaction.atomic():
            connection = Connection.objects.create(
                from_initiative=from_initiative,
                to_initiative=to_initiative,
                post=post,
                sent_by=user,
                message=message,
            )
    except IntegrityError:
        raise MatchmakingError(
            _("%(from)s already wrote to %(to)s.")
            % {"from": from_initiative.name, "to": to_initiative.name}
        ) from None
    topics = set(post.topics.values_list("pk", flat=True)) if post else set()
    connection.topics.set(
        topics or connection_topics(from_initiative=from_initiative, to_initiative=to_initiative)
    )
    for manager in _managers(to_initiative):
        emails.send(
            template="matchmaking/connection_request",
            to=manager,
            context={
                "connection": connection,
                "from_name": from_initiative.name,
                "from_country": from_initiative.country.code,
                "to_name": to_initiative.name,
                "message": message,
                "link": reverse("matchmaking:connection", args=[connection.pk]),
            },
        )
    return connection


@transaction.atomic
def connection_decide(*, connection: Connection, user: User, accept: bool) -> Connection:
    _require_manager(user, connection.to_initiative)
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if connection.status != Connection.Status.PENDING:
        raise MatchmakingError(
            _("This request was already answered: %(status)s.")
            % {"status": connection.get_status_display()}
        )
    connection.status = Connection.Status.ACCEPTED if accept else Connection.Status.DECLINED
    connection.decided_at = timezone.now()
    connection.decided_by = user
    connection.save(update_fields=["status", "decided_at", "decided_by"])
    for manager in _managers(connection.from_initiative):
        emails.send(
            template="matchmaking/connection_answer",
            to=manager,
            context={
                "accepted": accept,
                "from_name": connection.from_initiative.name,
                "to_name": connection.to_initiative.name,
                "link": reverse("matchmaking:connection", args=[connection.pk]),
            },
        )
    return connection


@transaction.atomic
def connection_set_stage(*, connection: Connection, user: User, stage: str) -> Connection:
    """Record how far the two initiatives went; stages only move forward."""
    _require_connection_side(user, connection)
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if connection.status != Connection.Status.ACCEPTED:
        raise MatchmakingError(_("Record an outcome once the request is accepted."))
    if stage not in Connection.STAGE_ORDER or not stage:
        raise MatchmakingError(_("Choose a stage from the list."))
    if connection.stage_reached(stage):
        raise MatchmakingError(
            _("This connection already reached “%(stage)s”.")
            % {"stage": connection.get_stage_display()}
        )
    now = timezone.now()
    fields = ["stage"]
    # Reaching a stage means the earlier ones happened too (a first meeting is a contact).
    for step in Connection.STAGE_ORDER[1 : Connection.STAGE_ORDER.index(stage) + 1]:
        if getattr(connection, f"{step}_at") is None:
            setattr(connection, f"{step}_at", now)
            fields.append(f"{step}_at")
    connection.stage = stage
    connection.save(update_fields=fields)
    return connection


# --- Joint projects -------------------------------------------------------------------------------


def _unique_project_slug(title: str) -> str:
    base = slugify(title)[:150] or "project"
    slug, n = base, 1
    while Project.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def _require_project_manager(user: User, project: Project) -> None:
    if not can_manage_project(user=user, project=project):
        raise PermissionDenied


@transaction.atomic
def project_create(
    *,
    user: User,
    lead: Initiative,
    data: dict[str, Any],
    partners: Iterable[Initiative] = (),
    connection: Connection | None = None,
) -> Project:
    """A project of `lead` (confirmed at once); each other partner is invited and shows only once
    its own managers confirm. A project opened from an accepted `connection` moves it to the
    joint-project stage."""
    _require_manager(user, lead)
    if not _published(lead):
        raise MatchmakingError(_("The lead initiative must be published in the registry."))
    if connection is not None:
        _require_connection_side(user, connection)
        if connection.status != Connection.Status.ACCEPTED:
            raise MatchmakingError(_("Open a joint project from a connection once it is accepted."))
    project = Project.objects.create(
        slug=_unique_project_slug(data["title"]),
        title=data["title"],
        summary=data["summary"],
        text_language=data.get("text_language") or user.language or "es",
        stage=data.get("stage") or Project.Stage.IDEA,
        countries=list(data.get("countries") or []),  # type: ignore[misc]  # a list of codes
        call_to_join=data.get("call_to_join", ""),
        created_by=user,
        connection=connection,
    )
    project.topics.set(data["topics"])
    now = timezone.now()
    ProjectPartner.objects.create(
        project=project,
        initiative=lead,
        confirmed=True,
        confirmed_at=now,
        confirmed_by=user,
        accepted=True,
        added_by=user,
    )
    for partner in partners:
        if partner.pk != lead.pk:
            project_invite(project=project, user=user, initiative=partner, message="")
    if connection is not None and not connection.stage_reached(Connection.Stage.JOINT_PROJECT):
        connection_set_stage(connection=connection, user=user, stage="joint_project")
    moderation_submit(obj=project, kind="joint_project", submitted_by=user)
    return project


def _require_new_partner(project: Project, initiative: Initiative) -> None:
    """A partner is a published initiative, asked (or asking) once."""
    if not _published(initiative):
        raise MatchmakingError(_("Only initiatives published in the registry can be partners."))
    if ProjectPartner.objects.filter(project=project, initiative=initiative).exists():
        raise MatchmakingError(
            _("%(name)s is already a partner or was already asked.") % {"name": initiative.name}
        )


@transaction.atomic
def project_invite(
    *, project: Project, user: User, initiative: Initiative, message: str
) -> ProjectPartner:
    _require_project_manager(user, project)
    _require_new_partner(project, initiative)
    partner = ProjectPartner.objects.create(
        project=project, initiative=initiative, accepted=True, added_by=user, message=message
    )
    for manager in _managers(initiative):
        emails.send(
            template="matchmaking/project_invitation",
            to=manager,
            context={
                "project_title": project.title,
                "initiative_name": initiative.name,
                "message": message,
                "link": reverse("matchmaking:project", args=[project.slug]),
            },
        )
    return partner


@transaction.atomic
def project_join_request(
    *, project: Project, user: User, initiative: Initiative, message: str
) -> ProjectPartner:
    """An initiative answers the call to join; the partners accept or not."""
    _require_manager(user, initiative)
    if project.status != Project.Status.PUBLISHED or not project.is_forming:
        raise MatchmakingError(_("This project is not looking for partners now."))
    _require_new_partner(project, initiative)
    now = timezone.now()
    partner = ProjectPartner.objects.create(
        project=project,
        initiative=initiative,
        confirmed=True,
        confirmed_at=now,
        confirmed_by=user,
        accepted=False,
        added_by=user,
        message=message.strip(),
    )
    recipients = User.objects.filter(
        managed_initiatives__in=project_partner_initiatives(project=project), is_active=True
    ).distinct()
    for manager in recipients:
        emails.send(
            template="matchmaking/project_join_request",
            to=manager,
            context={
                "project_title": project.title,
                "initiative_name": initiative.name,
                "message": partner.message,
                "link": reverse("matchmaking:project", args=[project.slug]),
            },
        )
    return partner


def _waiting_partner_answer(
    partner: ProjectPartner, *, yes: bool, answered: str, already: Any
) -> ProjectPartner | None:
    """Lock a waiting partner's row for an answer. Refused when its `answered` flag is set; a no
    deletes the row (None); a yes returns the locked row for the caller to mark."""
    partner = ProjectPartner.objects.select_for_update().get(pk=partner.pk)
    if getattr(partner, answered):
        raise MatchmakingError(already)
    if not yes:
        partner.delete()
        return None
    return partner


@transaction.atomic
def project_partner_confirm(*, partner: ProjectPartner, user: User, confirm: bool) -> None:
    """The invited initiative's own managers confirm (or decline) its place in the project."""
    _require_manager(user, partner.initiative)
    locked = _waiting_partner_answer(
        partner,
        yes=confirm,
        answered="confirmed",
        already=_("This partnership was already confirmed."),
    )
    if locked is not None:
        locked.confirmed, locked.confirmed_at, locked.confirmed_by = True, timezone.now(), user
        locked.save(update_fields=["confirmed", "confirmed_at", "confirmed_by"])


@transaction.atomic
def project_partner_accept(*, partner: ProjectPartner, user: User, accept: bool) -> None:
    """The current partners take in (or not) an initiative that asked to join."""
    _require_project_manager(user, partner.project)
    locked = _waiting_partner_answer(
        partner, yes=accept, answered="accepted", already=_("This initiative is already a partner.")
    )
    if locked is not None:
        locked.accepted = True
        locked.save(update_fields=["accepted"])


@transaction.atomic
def project_set_stage(*, project: Project, user: User, stage: str) -> Project:
    _require_project_manager(user, project)
    if stage not in Project.Stage.values:
        raise MatchmakingError(_("Choose a stage from the list."))
    project.stage = stage
    project.save(update_fields=["stage", "updated_at"])
    return project


@transaction.atomic
def project_edit(*, project: Project, user: User, data: dict[str, Any]) -> Project:
    """Text and topics of a project. A published project keeps its approved text on show while the
    edit waits for review in `pending_changes`."""
    _require_project_manager(user, project)
    if project.status == Project.Status.REJECTED:
        raise MatchmakingError(_("This project was rejected and cannot be edited."))
    if project.status != Project.Status.PUBLISHED:
        for name in Project.EDITABLE:
            setattr(project, name, data[name])
        project.countries = data.get("countries") or []
        project.status = Project.Status.IN_REVIEW
        project.save()
        project.topics.set(data["topics"])
        moderation_submit(obj=project, kind="joint_project", submitted_by=user)
        return project
    project.pending_changes = {
        **{name: data[name] for name in Project.EDITABLE},
        "countries": [str(c) for c in data.get("countries") or []],
        "topics": [t.pk for t in data["topics"]],
    }
    project.save(update_fields=["pending_changes", "updated_at"])
    moderation_submit(obj=project, kind="joint_project_edit", submitted_by=user)
    return project


@transaction.atomic
def project_post_update(
    *, project: Project, user: User, initiative: Initiative, text: str
) -> ProjectUpdate:
    _require_project_manager(user, project)
    _require_manager(user, initiative)
    if not project_partner_initiatives(project=project).filter(pk=initiative.pk).exists():
        raise PermissionDenied
    if project.status != Project.Status.PUBLISHED:
        raise MatchmakingError(_("Post updates once the project is published."))
    text = text.strip()
    if not text:
        raise MatchmakingError(_("Write the update first."))
    update = ProjectUpdate.objects.create(
        project=project, initiative=initiative, author=user, text=text
    )
    moderation_submit(obj=update, kind="project_update", submitted_by=user)
    return update


project_approve = _moderation_outcome(Project.Status.PUBLISHED, publish=True)
project_request_changes = _moderation_outcome(Project.Status.CHANGES_REQUESTED)
project_reject = _moderation_outcome(Project.Status.REJECTED)


def project_edit_approve(project: Project, *, moderator: User, comment: str) -> None:
    changes = project.pending_changes or {}
    for name in Project.EDITABLE:
        if name in changes:
            setattr(project, name, changes[name])
    if "countries" in changes:
        project.countries = changes["countries"]
    project.pending_changes = {}
    project.save()
    if "topics" in changes:
        project.topics.set(Topic.objects.filter(pk__in=changes["topics"]))


def project_edit_request_changes(project: Project, *, moderator: User, comment: str) -> None:
    """The proposed text stays in `pending_changes`, for the partners to fix and resubmit."""


def project_edit_reject(project: Project, *, moderator: User, comment: str) -> None:
    project.pending_changes = {}
    project.save(update_fields=["pending_changes", "updated_at"])


update_approve = _moderation_outcome(ProjectUpdate.Status.PUBLISHED)
# An update is short: the partners write a new one rather than fix this one.
update_reject = _moderation_outcome(ProjectUpdate.Status.REJECTED)
