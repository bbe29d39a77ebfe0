"""Reads of what members follow and of their news notifications."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _
from django_countries import countries

from iapt_platform.accounts import personal_data, roles
from iapt_platform.lib import news
from iapt_platform.lib.news import Subject

from .models import Follow, NewsNotification

# The kinds of subject a member may follow from a button, in the order the following page lists
# them, with the heading of each group.
FOLLOWABLE = {
    news.INITIATIVE: _("Initiatives"),
    news.PROGRAMME: _("Programmes"),
    news.COUNTRY: _("Countries"),
    news.SECTOR: _("Sectors"),
    news.TOPIC: _("Topics"),
    news.MEMBER: _("Members"),
}


def can_follow(user: Any) -> bool:
    return bool(user and user.is_authenticated and user.is_active) and (
        roles.has_role(user, roles.MEMBER) or roles.is_moderator(user)
    )


def subject_q(subjects: Iterable[Subject]) -> Q:
    """Rows of Follow about any of `subjects` (an empty Q matches nothing)."""
    query = Q(pk__in=[])
    for subject in subjects:
        query |= Q(kind=subject.kind, key=subject.key)
    return query


def is_following(*, user: Any, subject: Subject) -> bool:
    """Whether the member hears of `subject`: followed, or followed by default and not muted."""
    row = Follow.objects.filter(user=user, kind=subject.kind, key=subject.key).first()
    if row is not None:
        return not row.muted
    return user.pk in news.audience(subject)


def follower_ids(subjects: Iterable[Subject]) -> set[int]:
    subjects = list(subjects)
    if not subjects:
        return set()
    return set(
        Follow.objects.filter(subject_q(subjects), muted=False).values_list("user_id", flat=True)
    )


def muted_ids(subject: Subject) -> set[int]:
    return set(
        Follow.objects.filter(kind=subject.kind, key=subject.key, muted=True).values_list(
            "user_id", flat=True
        )
    )


# --- Naming subjects ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Followed:
    subject: Subject
    name: str
    url: str
    by_default: bool = False  # followed without asking (a promoter's own initiative)
    muted: bool = False  # followed by default, and the member chose not to hear of it

    @property
    def heard(self) -> bool:
        return not self.muted


def _topic_models() -> list[Any]:
    # Every app files under its own set of topics (one shape, the sets as data); a topic slug
    # followed is heard in all of them, and named from the first set that has it.
    from community.models import Topic as CommunityTopic
    from initiatives.matchmaking.models import Topic as MatchmakingTopic
    from initiatives.stories.models import Topic as StoryTopic
    from library.models import Topic as LibraryTopic

    return [LibraryTopic, StoryTopic, CommunityTopic, MatchmakingTopic]


def describe(subjects: Iterable[Subject]) -> dict[Subject, Followed]:
    """A name and an address for each subject that exists, in a few queries whatever their
    number (one per kind present)."""
    from django.urls import reverse

    from community.models import MemberProfile
    from initiatives.models import Initiative, Programme, Sector

    by_kind: dict[str, set[str]] = defaultdict(set)
    for subject in subjects:
        by_kind[subject.kind].add(subject.key)
    found: dict[Subject, Followed] = {}

    def ints(keys: set[str]) -> list[int]:
        return [int(k) for k in keys if k.isdigit()]

    for code in by_kind.get(news.COUNTRY, ()):
        if code in countries:
            url = reverse("initiatives:country", args=[code])
            found[Subject(news.COUNTRY, code)] = Followed(
                Subject(news.COUNTRY, code), str(countries.name(code)), url
            )
    for sector in Sector.objects.filter(slug__in=by_kind.get(news.SECTOR, ())):
        subject = Subject(news.SECTOR, sector.slug)
        found[subject] = Followed(subject, sector.name, sector.get_absolute_url())
    topic_keys = set(by_kind.get(news.TOPIC, ()))
    for model in _topic_models() if topic_keys else []:
        for topic in model.objects.filter(slug__in=topic_keys):
            subject = Subject(news.TOPIC, topic.slug)
            if subject not in found:
                found[subject] = Followed(subject, topic.name, _topic_url(topic))
        topic_keys -= {s.key for s in found if s.kind == news.TOPIC}
    for initiative in Initiative.objects.published().filter(
        pk__in=ints(by_kind.get(news.INITIATIVE, set()))
    ):
        subject = Subject(news.INITIATIVE, str(initiative.pk))
        found[subject] = Followed(subject, initiative.name, initiative.get_absolute_url())
    for programme in Programme.objects.filter(pk__in=ints(by_kind.get(news.PROGRAMME, set()))):
        subject = Subject(news.PROGRAMME, str(programme.pk))
        found[subject] = Followed(subject, programme.name, programme.get_absolute_url())
    for profile in MemberProfile.objects.filter(
        user_id__in=ints(by_kind.get(news.MEMBER, set())), user__is_active=True
    ).select_related("user"):
        subject = Subject(news.MEMBER, str(profile.user_id))
        found[subject] = Followed(
            subject,
            f"{profile.user.get_full_name()} (@{profile.handle})",
            profile.get_absolute_url(),
        )
    return found


def _topic_url(topic: Any) -> str:
    """The list a topic filters: the library's for its topics, and so on."""
    from django.urls import reverse

    app = topic._meta.app_label
    if app == "library":
        return f"{reverse('library:index')}?topic={topic.slug}"
    if app == "stories":
        return f"{reverse('stories:list')}?topic={topic.slug}"
    if app == "matchmaking":
        return f"{reverse('matchmaking:list')}?topic={topic.slug}"
    return reverse("community:directory")


def following_page(*, user: Any) -> list[tuple[str, Any, list[Followed]]]:
    """What the member follows, grouped by kind: (kind, heading, [Followed]); the subjects they
    follow by default are listed too, marked so (muted ones with a button to hear of them again)."""
    rows = list(Follow.objects.filter(user=user))
    muted = {Subject(r.kind, r.key) for r in rows if r.muted}
    chosen = [Subject(r.kind, r.key) for r in rows if not r.muted]
    defaults = [s for s in default_subjects(user=user) if s not in chosen]
    named = describe([*chosen, *defaults])
    groups: dict[str, list[Followed]] = defaultdict(list)
    for subject in chosen:
        if subject in named:
            groups[subject.kind].append(named[subject])
    for subject in defaults:
        if subject in named:
            item = named[subject]
            groups[subject.kind].append(
                Followed(item.subject, item.name, item.url, by_default=True, muted=subject in muted)
            )
    result: list[tuple[str, Any, list[Followed]]] = []
    for kind, heading in FOLLOWABLE.items():
        if groups.get(kind):
            result.append((kind, heading, sorted(groups[kind], key=lambda f: f.name.lower())))
    for kind, items in groups.items():
        if kind not in FOLLOWABLE and items:
            result.append((kind, kind, items))
    return result


def initiative_promoters(key: str) -> set[int]:
    from initiatives import selectors as initiative_selectors

    return initiative_selectors.initiative_manager_ids(pk=key)


def default_subjects(*, user: Any) -> list[Subject]:
    """The subjects a member follows without having asked: their own initiatives."""
    from initiatives import selectors as initiative_selectors

    return [
        Subject(news.INITIATIVE, str(pk))
        for pk in initiative_selectors.initiatives_managed_by(user=user).values_list(
            "pk", flat=True
        )
    ]


# --- Notifications -----------------------------------------------------------------------------


@dataclass
class NewsItem:
    notification: NewsNotification
    obj: Any
    label: Any
    url: str
    created_at: Any
    read_at: Any
    kind: str = "news"


def unread_count(*, user: Any) -> int:
    return NewsNotification.objects.filter(recipient=user, read_at__isnull=True).count()


def news_items(
    notifications: Iterable[NewsNotification], *, user: Any, check: bool = True
) -> list[NewsItem]:
    """Each notification with its object (one query per content type), its kind's label and
    its address; those whose object is gone, or that the member may no longer see, are left out."""
    notifications = list(notifications)
    wanted: dict[int, set[int]] = defaultdict(set)
    for notification in notifications:
        wanted[notification.content_type_id].add(notification.object_id)
    objects: dict[tuple[int, int], Any] = {}
    for content_type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        if model is None:
            continue
        for pk, row in model._default_manager.in_bulk(list(ids)).items():
            objects[(content_type_id, pk)] = row
    kinds = news.kinds()
    seen_in_bulk: dict[str, set[int]] = {}
    if check:
        bulk_checks = {name: k.visible_many for name, k in kinds.items() if k.visible_many}
        for kind_name, bulk in bulk_checks.items():
            of_kind = [
                objects[(n.content_type_id, n.object_id)]
                for n in notifications
                if n.kind == kind_name and (n.content_type_id, n.object_id) in objects
            ]
            if of_kind:
                seen_in_bulk[kind_name] = bulk(user, of_kind)
    items = []
    for notification in notifications:
        obj: Any = objects.get((notification.content_type_id, notification.object_id))
        registered = kinds.get(notification.kind)
        if obj is None or registered is None:
            continue
        if check:
            if notification.kind in seen_in_bulk:
                if obj.pk not in seen_in_bulk[notification.kind] or not user.is_active:
                    continue
            elif not news.can_see(notification.kind, user, obj):
                continue
        items.append(
            NewsItem(
                notification=notification,
                obj=obj,
                label=registered.label,
                url=obj.get_absolute_url(),
                created_at=notification.created_at,
                read_at=notification.read_at,
            )
        )
    return items


def news_in_period(*, user: Any, start: Any, end: Any, limit: int) -> list[NewsItem]:
    """What reached the member during the period, still visible to them, oldest first."""
    rows = NewsNotification.objects.filter(
        recipient=user, created_at__gte=start, created_at__lt=end
    ).order_by("created_at", "id")[:limit]
    return news_items(rows, user=user)


def notifications_of(*, user: Any) -> QuerySet[NewsNotification]:
    return NewsNotification.objects.filter(recipient=user)


# --- Download my data --------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    follows = [
        personal_data.record(follow, exclude=["user"])
        for follow in Follow.objects.filter(user=user).order_by("pk")
    ]
    rows = list(NewsNotification.objects.filter(recipient=user).order_by("pk"))
    items = {item.notification.pk: item for item in news_items(rows, user=user)}
    notifications = []
    for row in rows:
        record = personal_data.record(row, exclude=["recipient", "actor", "content_type"])
        item = items.get(row.pk)
        record["title"] = str(item.obj) if item else None
        record["address"] = item.url if item else None
        notifications.append(record)
    return personal_data.Portion(data={"follows": follows, "notifications": notifications})
