"""What is new on the platform, and who hears of it.

An app announces what it publishes (a story, a resource, a meeting, a thread, an opportunity, an
answer to a proposal...) with the subjects it is about: a country, a sector, a topic, an
initiative, a programme, a member, or anything else that people follow (a proposal, a round).
The platform imports none of the apps: each registers in its AppConfig.ready()

- the kinds it announces, with who may see an item of that kind (`register_kind`);
- the people who follow a subject without having asked (`register_audience`): the promoters of an
  initiative, the author and supporters of a proposal;

and whoever turns announcements into notifications and digests (`community/following`) listens:

    news.register_kind("story", label=_("A success story"), visible=stories_visible)
    news.register_audience("initiative", initiative_promoter_ids)
    news.listen(following_services.announcement_receive)

    news.announce(kind="story", obj=story, subjects=[Subject("country", "EC"),
                  Subject("sector", "agrifood"), Subject("initiative", str(initiative.pk))])

An announced object has `get_absolute_url()` and a `__str__` that reads as its title in the active
language: that is what a notification and a digest show of it (with the kind's label).

Listeners run after the transaction commits (nothing is announced for a write that rolled back)
and receive an `Announcement` made of ids only, so that they can hand it to a task. A listener
decides who hears, once each, and checks `can_see` for each person before anything reaches them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Model

logger = logging.getLogger(__name__)

# Subject kinds every app shares; apps may add their own ("proposal", "round").
COUNTRY = "country"  # key: ISO 3166-1 alpha-2, "EC"
SECTOR = "sector"  # key: the sector's slug
TOPIC = "topic"  # key: the topic's slug
INITIATIVE = "initiative"  # key: str(pk)
PROGRAMME = "programme"  # key: str(pk)
MEMBER = "member"  # key: str(user pk), what a member publishes


@dataclass(frozen=True)
class Subject:
    kind: str
    key: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "key", str(self.key))


@dataclass(frozen=True)
class Kind:
    name: str
    label: Any  # a lazy translation: "A success story"
    visible: Callable[[Any, Any], bool]  # (user, obj) -> may this person see it now?
    # The same rule for many objects at once, (user, objs) -> pks seen: for a kind whose
    # one-by-one check costs queries (a forum thread), so that a page of notifications costs
    # the same whatever it lists. None: `visible` is cheap (an attribute).
    visible_many: Callable[[Any, list[Any]], set[int]] | None = None


@dataclass(frozen=True)
class Announcement:
    """Ids only: a listener may put it in a task as `as_dict()` and rebuild it there."""

    kind: str
    content_type_id: int
    object_id: int
    subjects: tuple[Subject, ...] = ()
    recipients: tuple[int, ...] = ()  # people to tell whatever they follow (an author, attendees)
    actor_id: int | None = None  # who did it: never told of their own act
    extra: dict = field(default_factory=dict)  # small JSON-able details ("status": "accepted")

    def as_dict(self) -> dict:
        return {
            "kind": self.kind,
            "content_type_id": self.content_type_id,
            "object_id": self.object_id,
            "subjects": [[s.kind, s.key] for s in self.subjects],
            "recipients": list(self.recipients),
            "actor_id": self.actor_id,
            "extra": self.extra,
        }

    @classmethod
    def from_dict(cls, data: dict) -> Announcement:
        return cls(
            kind=data["kind"],
            content_type_id=data["content_type_id"],
            object_id=data["object_id"],
            subjects=tuple(Subject(k, v) for k, v in data.get("subjects", ())),
            recipients=tuple(data.get("recipients", ())),
            actor_id=data.get("actor_id"),
            extra=data.get("extra") or {},
        )

    def object(self) -> Any | None:
        """The announced row, or None when it is gone since."""
        model = ContentType.objects.get_for_id(self.content_type_id).model_class()
        if model is None:
            return None
        return model._default_manager.filter(pk=self.object_id).first()


_kinds: dict[str, Kind] = {}
_audiences: dict[str, list[Callable[[str], Iterable[int]]]] = {}
_listeners: list[Callable[[Announcement], None]] = []


def register_kind(
    name: str,
    *,
    label: Any,
    visible: Callable[[Any, Any], bool],
    visible_many: Callable[[Any, list[Any]], set[int]] | None = None,
) -> None:
    _kinds[name] = Kind(name=name, label=label, visible=visible, visible_many=visible_many)


def kinds() -> dict[str, Kind]:
    return dict(_kinds)


def kind(name: str) -> Kind:
    return _kinds[name]


def register_audience(subject_kind: str, resolver: Callable[[str], Iterable[int]]) -> None:
    """`resolver(key)` gives the user ids who follow that subject without having asked."""
    resolvers = _audiences.setdefault(subject_kind, [])
    if resolver not in resolvers:
        resolvers.append(resolver)


def audience(subject: Subject) -> set[int]:
    ids: set[int] = set()
    for resolver in _audiences.get(subject.kind, ()):
        ids.update(resolver(subject.key))
    return ids


def listen(listener: Callable[[Announcement], None]) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


def can_see(kind_name: str, user: Any, obj: Any) -> bool:
    """Whether `user` may see `obj` now; unknown kinds and missing rows are seen by nobody."""
    registered = _kinds.get(kind_name)
    if registered is None or obj is None or user is None or not user.is_active:
        return False
    return bool(registered.visible(user, obj))


def announce(
    *,
    kind: str,
    obj: Model,
    subjects: Iterable[Subject] = (),
    recipients: Iterable[int] = (),
    actor: Any = None,
    extra: dict | None = None,
) -> None:
    """Tell the listeners, once the current transaction commits, that `obj` is new or changed."""
    if kind not in _kinds:
        raise ValueError(f"news kind {kind!r} is not registered")
    announcement = Announcement(
        kind=kind,
        content_type_id=ContentType.objects.get_for_model(obj, for_concrete_model=True).pk,
        object_id=obj.pk,
        subjects=tuple(dict.fromkeys(subjects)),
        recipients=tuple(dict.fromkeys(int(pk) for pk in recipients)),
        actor_id=getattr(actor, "pk", actor),
        extra=dict(extra or {}),
    )

    def tell() -> None:
        for listener in list(_listeners):
            try:
                listener(announcement)
            except Exception:  # one listener's failure must not undo a saved write
                logger.exception("news listener %r failed for %s", listener, announcement)

    transaction.on_commit(tell, robust=True)
