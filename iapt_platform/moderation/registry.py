"""The kinds of things that go through the moderation queue.

The queue knows no app. Each app registers, in its AppConfig.ready(), what it submits for review and
how to approve it:

    registry.register(ModerationKind(key="initiative", label=_("New initiative"), model=Initiative,
                                     title=..., country=..., preview_url=..., approve=...,
                                     content=..., public_version=..., ...))

The callbacks run inside the moderation transaction, with the object already loaded; a callback that
cannot carry out the decision raises `ModerationError` and nothing is recorded.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import models


def _no_url(obj: Any) -> str:
    return ""


def _nothing_public(obj: Any) -> None:
    return None


@dataclass(frozen=True)
class ModerationKind:
    key: str  # stored on each item: never rename a registered key
    label: Any  # a lazy translation, rendered in the reader's language
    model: type[models.Model]
    title: Callable[[Any], str]
    country: Callable[[Any], str]  # ISO 3166-1 alpha-2 code, or ""
    preview_url: Callable[[Any], str]  # where a moderator sees the whole submission
    approve: Callable[..., None]  # approve(obj, *, moderator, comment)
    request_changes: Callable[..., None]  # request_changes(obj, *, moderator, comment)
    reject: Callable[..., None]  # reject(obj, *, moderator, comment)
    # What the moderator reads before deciding: (label, plain text) pairs in the reader's language,
    # built with iapt_platform.moderation.content. Every kind gives it: nobody approves unseen.
    content: Callable[[Any], Sequence[tuple[str, str]]]
    # For an edit of something already public: the public version, under the same labels, so
    # that the item page shows what would change. None for a new submission.
    public_version: Callable[[Any], Sequence[tuple[str, str]] | None] = _nothing_public
    submitter_url: Callable[[Any], str] = _no_url  # where the submitter sees it (email links)


_kinds: dict[str, ModerationKind] = {}


def register(kind: ModerationKind) -> None:
    existing = _kinds.get(kind.key)
    if existing is not None and existing != kind:
        raise ValueError(f"A moderation kind {kind.key!r} is already registered.")
    if len(kind.key) > 40:
        raise ValueError(f"Moderation kind keys have at most 40 characters: {kind.key!r}.")
    _kinds[kind.key] = kind


def unregister(key: str) -> None:
    """Forget a kind (tests register throwaway kinds and clean up after themselves)."""
    _kinds.pop(key, None)


def get_kind(key: str) -> ModerationKind:
    return _kinds[key]


def kinds() -> list[ModerationKind]:
    return list(_kinds.values())
