"""Reads of matchmaking: public lists, an initiative's suggestions and connections, the staff funnel,
and what other apps (the community digest) may read."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db.models import Count, Exists, F, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_countries import countries
from django_countries.fields import Country

from iapt_platform.accounts import personal_data, privacy, roles
from iapt_platform.lib.cache import CacheVersion, timed
from initiatives.models import Initiative, Sector

from . import scoring
from .models import (
    CollaborationPost,
    Connection,
    Project,
    ProjectPartner,
    ProjectUpdate,
    Suggestion,
    Topic,
)

# Collaboration offers, requests and joint projects: one version for every page that shows them;
# an offer that expires changes with time alone, so the pages' version includes a minute.
COLLABORATION_VERSION = CacheVersion("collaboration:version")
collaboration_changed = COLLABORATION_VERSION.bump
collaboration_version = timed(COLLABORATION_VERSION.get, 60)

SUGGESTION_LIMIT = 20


def topics_all() -> QuerySet[Topic]:
    return Topic.objects.order_by("order", "name")


def initiatives_published_managed_by(*, user) -> QuerySet[Initiative]:
    """The published initiatives a user speaks for: those that may write, connect and join."""
    if not user.is_authenticated:
        return Initiative.objects.none()
    return Initiative.objects.published().filter(managers=user).order_by("name")


# --- Offers and needs ---------------------------------------------------------------------------


def _post_prefetch(qs: QuerySet[CollaborationPost]) -> QuerySet[CollaborationPost]:
    return qs.select_related("initiative").prefetch_related(
        Prefetch("topics", queryset=Topic.objects.order_by("order")),
        Prefetch("sectors", queryset=Sector.objects.order_by("order")),
    )


def post_list_public(
    *,
    direction: str = "",
    kind: str = "",
    topic: str = "",
    sector: str = "",
    country: str = "",
) -> QuerySet[CollaborationPost]:
    """Live offers and needs, newest first; expired ones drop out by themselves."""
    qs = CollaborationPost.objects.live()
    if direction:
        qs = qs.filter(direction=direction)
    if kind:
        qs = qs.filter(kind=kind)
    if topic:
        qs = qs.filter(topics__slug=topic)
    if sector:
        qs = qs.filter(sectors__slug=sector)
    if country:
        qs = qs.filter(initiative__country=country)
    return _post_prefetch(qs.distinct().order_by("-published_at", "-pk"))


def post_for_page(*, pk: int, viewer) -> CollaborationPost | None:
    """A post as this viewer may see it: live to all; any state to its managers and moderators."""
    post = _post_prefetch(CollaborationPost.objects.filter(pk=pk)).first()
    if post is None:
        return None
    if post.is_live and post.initiative.status == Initiative.Status.PUBLISHED:
        return post
    if viewer.is_authenticated and (
        roles.is_moderator(viewer) or post.initiative.managers.filter(pk=viewer.pk).exists()
    ):
        return post
    return None


def posts_of_initiative(*, initiative: Initiative) -> QuerySet[CollaborationPost]:
    """Every post of the initiative, for its managers."""
    return _post_prefetch(
        CollaborationPost.objects.filter(initiative=initiative).order_by("-created_at")
    )


def posts_live_of(*, initiative: Initiative) -> QuerySet[CollaborationPost]:
    """The live posts of an initiative, as choices for a message about one of them."""
    return CollaborationPost.objects.live().filter(initiative=initiative)


def live_posts_of(*, initiative: Initiative) -> list[CollaborationPost]:
    return list(
        _post_prefetch(CollaborationPost.objects.live().filter(initiative=initiative)).order_by(
            "direction", "-published_at"
        )
    )


# --- Suggestions ----------------------------------------------------------------------------------


@dataclass
class ShownSuggestion:
    other: Initiative
    score: int
    reasons: list[str]
    computed_at: datetime


def suggestions_for(
    *, initiative: Initiative, limit: int = SUGGESTION_LIMIT
) -> list[ShownSuggestion]:
    """The stored suggestions still valid, with their reasons in the active language (3 queries)."""
    rows = list(
        Suggestion.objects.filter(
            initiative=initiative,
            valid_until__gt=timezone.now(),
            other__status=Initiative.Status.PUBLISHED,
            other__revision_of=None,
        )
        .select_related("other")
        .order_by("-score", "other__name")[:limit]
    )
    if not rows:
        return []
    topics = {t.pk: t for t in Topic.objects.all()}
    sectors = {s.pk: s for s in Sector.objects.all()}
    return [
        ShownSuggestion(
            other=row.other,
            score=row.score,
            reasons=scoring.reasons_in_words(row.reasons, topics=topics, sectors=sectors),
            computed_at=row.computed_at,
        )
        for row in rows
    ]


# --- Connections ----------------------------------------------------------------------------------


def connections_for_user(*, user) -> QuerySet[Connection]:
    """Connections sent or received by any initiative the user manages."""
    managed = Initiative.objects.filter(managers=user, revision_of=None)
    return (
        Connection.objects.filter(Q(from_initiative__in=managed) | Q(to_initiative__in=managed))
        .select_related("from_initiative", "to_initiative")
        .order_by("-created_at")
    )


def connection_accepted(*, pk: str) -> Connection | None:
    """The accepted connection named by a query parameter (a new project starts from it)."""
    if not pk.isdigit():
        return None
    return (
        Connection.objects.filter(pk=pk, status=Connection.Status.ACCEPTED)
        .select_related("from_initiative", "to_initiative")
        .first()
    )


def connection_sides(
    *, connection: Connection | None, managed: QuerySet[Initiative]
) -> tuple[list[Initiative], list[Initiative]]:
    """The connection's initiatives among `managed` (the viewer's side), then the others."""
    if connection is None:
        return [], []
    both = (connection.from_initiative, connection.to_initiative)
    own = [initiative for initiative in both if initiative in managed]
    return own, [initiative for initiative in both if initiative not in own]


def connection_stages(*, connection: Connection) -> list[tuple[str, Any, datetime | None]]:
    """Each outcome stage with its label and the time the connection reached it (or None)."""
    return [
        (value, label, getattr(connection, f"{value}_at"))
        for value, label in Connection.Stage.choices
        if value
    ]


def connections_of_initiative(*, initiative: Initiative) -> QuerySet[Connection]:
    return (
        Connection.objects.filter(Q(from_initiative=initiative) | Q(to_initiative=initiative))
        .select_related("from_initiative", "to_initiative")
        .order_by("-created_at")
    )


@dataclass(frozen=True)
class Person:
    name: str
    email: str


@dataclass(frozen=True)
class SharedContact:
    """The other side's details, shared with a connection's managers once it is accepted."""

    initiative: Initiative
    managers: list[Person]
    contact_name: str
    contact_email: str
    contact_phone: str
    website: str


def shared_contact(*, connection: Connection, viewer) -> SharedContact | None:
    """The contact details of the side the viewer does not manage; None before acceptance.

    Accepting shares the managers' names and account emails (the connection page says so before
    either side writes or accepts); the initiative's contact person is shared only as far as the
    initiative shows it to this viewer (a hidden phone stays hidden)."""
    if connection.status != Connection.Status.ACCEPTED or not viewer.is_authenticated:
        return None
    mine_from = connection.from_initiative.managers.filter(pk=viewer.pk).exists()
    mine_to = connection.to_initiative.managers.filter(pk=viewer.pk).exists()
    if mine_from == mine_to:  # neither side, or both (nothing to exchange)
        return None
    other = connection.to_initiative if mine_from else connection.from_initiative
    shown = privacy.contact_for(other, viewer=viewer)
    return SharedContact(
        initiative=other,
        managers=[
            Person(name=u.get_full_name(), email=u.email)
            for u in other.managers.filter(is_active=True).order_by("pk")
        ],
        contact_name=other.contact_name,
        contact_email=shown["email"],
        contact_phone=shown["phone"],
        website=other.website,
    )


@dataclass
class FunnelRow:
    key: str
    label: Any
    counts: dict[str, int] = field(default_factory=dict)


FUNNEL_COLUMNS = ["sent", "accepted", "contacted", "met", "agreement", "joint_project"]


def _funnel_aggregates() -> dict[str, Any]:
    reached = {
        step: Count(
            "pk", filter=Q(stage__in=Connection.STAGE_ORDER[Connection.STAGE_ORDER.index(step) :])
        )
        for step in ("contacted", "met", "agreement", "joint_project")
    }
    return {
        "sent": Count("pk"),
        "accepted": Count("pk", filter=Q(status=Connection.Status.ACCEPTED)),
        **reached,
    }


def funnel_by_country() -> list[FunnelRow]:
    """Connection counts at each stage; a connection counts under the country of each side (once
    when both sides share a country). Three grouped queries."""
    base = Connection.objects.order_by()
    rows: dict[str, dict[str, int]] = {}

    def add(values: Iterable[dict], sign: int) -> None:
        for value in values:
            counts = rows.setdefault(value["country"], dict.fromkeys(FUNNEL_COLUMNS, 0))
            for column in FUNNEL_COLUMNS:
                counts[column] += sign * value[column]

    aggregates = _funnel_aggregates()
    add(base.values(country=F("from_initiative__country")).annotate(**aggregates), 1)
    add(base.values(country=F("to_initiative__country")).annotate(**aggregates), 1)
    same = base.filter(from_initiative__country=F("to_initiative__country"))
    add(same.values(country=F("from_initiative__country")).annotate(**aggregates), -1)
    result = [
        FunnelRow(key=code, label=countries.name(code) or code, counts=counts)
        for code, counts in rows.items()
        if counts["sent"]
    ]
    return sorted(result, key=lambda r: (-r.counts["sent"], str(r.label)))


def funnel_by_topic() -> list[FunnelRow]:
    aggregates = _funnel_aggregates()
    topics = {t.pk: t for t in Topic.objects.all()}
    rows = []
    for value in (
        Connection.objects.filter(topics__isnull=False)
        .order_by()
        .values("topics")
        .annotate(**aggregates)
    ):
        topic = topics.get(value["topics"])
        if topic is not None:
            rows.append(
                FunnelRow(
                    key=topic.slug,
                    label=topic.name,
                    counts={c: value[c] for c in FUNNEL_COLUMNS},
                )
            )
    rows.sort(key=lambda r: (-r.counts["sent"], str(r.label)))
    untagged = Connection.objects.filter(topics__isnull=True).aggregate(**aggregates)
    if untagged["sent"]:
        rows.append(
            FunnelRow(
                key="",
                label=_("No topic"),
                counts={c: untagged[c] for c in FUNNEL_COLUMNS},
            )
        )
    return rows


def funnel_totals() -> dict[str, int]:
    return Connection.objects.aggregate(**_funnel_aggregates())


# --- Joint projects -------------------------------------------------------------------------------


def project_partner_initiatives(*, project: Project) -> QuerySet[Initiative]:
    """The project's active partners: confirmed by their own managers and by the consortium."""
    return Initiative.objects.filter(
        project_partnerships__project=project,
        project_partnerships__confirmed=True,
        project_partnerships__accepted=True,
    )


def can_manage_project(*, user, project: Project) -> bool:
    """A manager of an active partner speaks for the project."""
    if not user.is_authenticated:
        return False
    return project_partner_initiatives(project=project).filter(managers=user).exists()


def _active_partners() -> Prefetch:
    return Prefetch(
        "partners",
        queryset=ProjectPartner.objects.filter(confirmed=True, accepted=True)
        .select_related("initiative")
        .order_by("created_at", "pk"),
        to_attr="active_partners",
    )


def project_list_public(
    *, stage: str = "", topic: str = "", country: str = "", forming: bool = False
) -> QuerySet[Project]:
    qs = Project.objects.published()
    if stage:
        qs = qs.filter(stage=stage)
    if forming:
        qs = qs.filter(stage__in=Project.FORMING)
    if topic:
        qs = qs.filter(topics__slug=topic)
    if country:
        # A project is "in" a country it names or where one of its active partners is.
        active = ProjectPartner.objects.filter(
            project=OuterRef("pk"),
            confirmed=True,
            accepted=True,
            initiative__country=country,
        )
        qs = qs.filter(Q(countries__contains=country) | Exists(active))
    return (
        qs.distinct()
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("order")))
        .prefetch_related(_active_partners())
        .order_by("-published_at", "-pk")
    )


def project_for_page(*, slug: str, viewer) -> Project | None:
    """Published projects for all; in-review ones for partners' managers and moderators."""
    project = (
        Project.objects.filter(slug=slug)
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("order")))
        .prefetch_related(_active_partners())
        .first()
    )
    if project is None:
        return None
    if project.status == Project.Status.PUBLISHED:
        return project
    if viewer.is_authenticated and (
        roles.is_moderator(viewer) or can_manage_project(user=viewer, project=project)
    ):
        return project
    # An invited initiative's managers see the project they are asked to confirm.
    if (
        viewer.is_authenticated
        and project.partners.filter(initiative__managers=viewer, confirmed=False).exists()
    ):
        return project
    return None


def project_waiting_partners(*, project: Project) -> list[ProjectPartner]:
    """Invitations not yet confirmed and requests to join not yet accepted."""
    return list(
        project.partners.filter(Q(confirmed=False) | Q(accepted=False))
        .select_related("initiative")
        .order_by("created_at")
    )


def project_updates_public(*, project: Project) -> QuerySet[ProjectUpdate]:
    return project.updates.filter(status=ProjectUpdate.Status.PUBLISHED).select_related(
        "initiative"
    )


def project_updates_in_review(*, project: Project) -> QuerySet[ProjectUpdate]:
    return project.updates.filter(status=ProjectUpdate.Status.IN_REVIEW).select_related(
        "initiative"
    )


def project_countries(*, project: Project) -> list[Country]:
    """The countries the project names, then those of its active partners, once each (the
    project comes from `project_for_page`, with its partners fetched)."""
    seen, result = set(), []
    for country in [
        *project.countries,
        *(p.initiative.country for p in project.active_partners),  # type: ignore[attr-defined]
    ]:
        if country.code not in seen:
            seen.add(country.code)
            result.append(country)
    return result


@dataclass
class ProjectViewer:
    """Where the viewer stands on a project page: what they see and which forms they get."""

    is_partner: bool  # manages an active partner: speaks for the project
    is_moderator: bool
    waiting: list[ProjectPartner]  # invitations and requests to join not yet answered
    invitations: list[ProjectPartner]  # those of `waiting` that the viewer must confirm
    joinable: QuerySet[Initiative]  # the viewer's initiatives that may still join
    partners: QuerySet[Initiative]  # the active partners the viewer speaks for


def project_viewer(*, project: Project, user) -> ProjectViewer:
    if not user.is_authenticated:
        none = Initiative.objects.none()
        return ProjectViewer(False, False, [], [], joinable=none, partners=none)
    managed = initiatives_published_managed_by(user=user)
    waiting = project_waiting_partners(project=project)
    return ProjectViewer(
        is_partner=can_manage_project(user=user, project=project),
        is_moderator=roles.is_moderator(user),
        waiting=waiting,
        invitations=[p for p in waiting if not p.confirmed and p.initiative in managed],
        joinable=managed.exclude(pk__in=project.partners.values("initiative_id")),
        partners=project_partner_initiatives(project=project).filter(managers=user),
    )


def projects_of_initiative(*, initiative: Initiative) -> list[Project]:
    """Published projects in which the initiative is an active partner (its badges)."""
    return list(
        Project.objects.published()
        .filter(partners__initiative=initiative, partners__confirmed=True, partners__accepted=True)
        .order_by("-published_at")
    )


def project_invitations_for(*, initiative: Initiative) -> QuerySet[ProjectPartner]:
    return ProjectPartner.objects.filter(initiative=initiative, confirmed=False).select_related(
        "project"
    )


def projects_linkable_by(*, user) -> QuerySet[Project]:
    """Projects in which the user manages an active partner (confirmed by its own managers and
    accepted by the consortium), rejected ones aside: those to which the user may link meetings
    and library resources."""
    if not getattr(user, "is_authenticated", False):
        return Project.objects.none()
    return (
        Project.objects.exclude(status=Project.Status.REJECTED)
        .filter(
            pk__in=ProjectPartner.objects.filter(
                initiative__managers=user, confirmed=True, accepted=True
            ).values("project")
        )
        .order_by("title", "pk")
    )


# --- For other apps -------------------------------------------------------------------------------


@dataclass
class DigestItems:
    posts: list[CollaborationPost]
    projects: list[Project]

    def __bool__(self) -> bool:
        return bool(self.posts or self.projects)


def new_for_digest(*, since: datetime, topics: Iterable[Any]) -> DigestItems:
    """Offers, needs and joint projects published since `since` on any of `topics` (Topic objects,
    ids or slugs), for the community digest. Live posts only; 5 queries whatever the size."""
    ids: set[int] = set()
    slugs: set[str] = set()
    for topic in topics:
        if isinstance(topic, Topic):
            ids.add(topic.pk)
        elif isinstance(topic, int):
            ids.add(topic)
        else:
            slugs.add(str(topic))
    if not ids and not slugs:
        return DigestItems(posts=[], projects=[])
    on_topics = Q(topics__pk__in=ids) | Q(topics__slug__in=slugs)
    posts = list(
        _post_prefetch(
            CollaborationPost.objects.live().filter(on_topics, published_at__gte=since).distinct()
        ).order_by("-published_at")
    )
    projects = list(
        Project.objects.published()
        .filter(on_topics, published_at__gte=since)
        .distinct()
        .prefetch_related(Prefetch("topics", queryset=Topic.objects.order_by("order")))
        .order_by("-published_at")
    )
    return DigestItems(posts=posts, projects=projects)


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The offers and needs the person wrote, the connections they sent or that reached the
    initiatives they manage, and the joint projects and project updates they wrote. The other
    side of a connection appears as privacy shows it to this person."""
    managed = set(
        Initiative.objects.filter(managers=user, revision_of=None).values_list("pk", flat=True)
    )

    def side(initiative: Initiative) -> dict[str, Any]:
        audience = privacy.Audience.OWNER if initiative.pk in managed else privacy.Audience.MEMBERS
        contact = privacy.contact_for(initiative, audience=audience)
        return {
            "id": initiative.pk,
            "slug": initiative.slug,
            "name": initiative.name,
            "contact_name": initiative.contact_name,  # public on the initiative's page
            **{f"contact_{name}": value for name, value in contact.items()},
        }

    posts = [
        {
            **personal_data.record(post),
            "topics": [topic.slug for topic in post.topics.all()],
            "sectors": [sector.slug for sector in post.sectors.all()],
        }
        for post in CollaborationPost.objects.filter(created_by=user)
        .prefetch_related("topics", "sectors")
        .order_by("pk")
    ]
    connections = [
        {
            **personal_data.record(
                connection, exclude=["from_initiative", "to_initiative", "sent_by", "decided_by"]
            ),
            "from_initiative": side(connection.from_initiative),
            "to_initiative": side(connection.to_initiative),
            "sent_by_you": connection.sent_by_id == user.pk,
            "sent_by": personal_data.someone(connection.sent_by, viewer=user),
            "decided_by": personal_data.someone(connection.decided_by, viewer=user),
        }
        for connection in Connection.objects.filter(
            Q(sent_by=user) | Q(from_initiative__in=managed) | Q(to_initiative__in=managed)
        )
        .select_related(
            "from_initiative",
            "to_initiative",
            "sent_by__member_profile",
            "decided_by__member_profile",
        )
        .order_by("pk")
    ]
    return personal_data.Portion(
        data={
            "collaboration_posts": posts,
            "connections": connections,
            "projects_created": [
                personal_data.record(project)
                for project in Project.objects.filter(created_by=user).order_by("pk")
            ],
            "project_updates": [
                personal_data.record(update)
                for update in ProjectUpdate.objects.filter(author=user).order_by("pk")
            ],
        }
    )
