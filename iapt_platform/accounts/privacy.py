"""Who may see a person's contact details: the one rule every page, email, export and API reads.

A contact detail (an email address, a phone, a website) is stored with the visibility its owner
chose. A reader belongs to one audience: the public (visitors, and everything published to anyone:
open-data downloads, the API, feeds, the bulletin), members (anyone signed in), or the owners
themselves (the person, or the managers of an initiative). A detail is shown to a reader only when
its visibility reaches the reader's audience.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.db import models
from django.db.models import Case, CharField, F, Value, When
from django.utils.translation import gettext_lazy as _


class Visibility(models.TextChoices):
    PUBLIC = "public", _("Public")
    MEMBERS = "members", _("Members only")
    HIDDEN = "hidden", _("Hidden")


class Audience(enum.IntEnum):
    """Who is reading, from the widest audience to the narrowest."""

    PUBLIC = 0
    MEMBERS = 1
    OWNER = 2


# The visibilities each audience reaches.
_REACHES: dict[Audience, frozenset[str]] = {
    Audience.PUBLIC: frozenset({Visibility.PUBLIC}),
    Audience.MEMBERS: frozenset({Visibility.PUBLIC, Visibility.MEMBERS}),
    Audience.OWNER: frozenset({Visibility.PUBLIC, Visibility.MEMBERS, Visibility.HIDDEN}),
}


@dataclass(frozen=True)
class ContactField:
    """One contact detail of a person, with the visibility its owner chose for it."""

    value: str
    visibility: str


class HasContact(Protocol):
    """A person, or an initiative's contact person: a member profile, an initiative."""

    def contact_fields(self) -> dict[str, ContactField]: ...

    def contact_owner_ids(self) -> Iterable[int]: ...


def audience_of(viewer: Any, person: HasContact | None = None) -> Audience:
    """The audience of `viewer` for the details of `person` (None: for no one's in particular)."""
    if viewer is None or not getattr(viewer, "is_authenticated", False) or not viewer.is_active:
        return Audience.PUBLIC
    if person is not None and viewer.pk in set(person.contact_owner_ids()):
        return Audience.OWNER
    return Audience.MEMBERS


def may_see(visibility: str, audience: Audience) -> bool:
    return visibility in _REACHES[audience]


def visible_contact(fields: Mapping[str, ContactField], audience: Audience) -> dict[str, str]:
    """Each field's value for this audience, or "" where its owner does not show it."""
    return {
        name: field.value if may_see(field.visibility, audience) else ""
        for name, field in fields.items()
    }


def contact_for(
    person: HasContact, *, viewer: Any = None, audience: Audience | None = None
) -> dict[str, str]:
    """Which contact details of `person` the reader may see: `viewer` for a page or an email to
    one person, or an explicit `audience` (Audience.PUBLIC for the open data, the API, feeds)."""
    if audience is None:
        audience = audience_of(viewer, person)
    return visible_contact(person.contact_fields(), audience)


def visible_value_expression(field: str, visibility_field: str, audience: Audience) -> Case:
    """The same rule inside a query (exports of thousands of rows): a detail the audience may not
    see is never read from the database."""
    return Case(
        When(**{f"{visibility_field}__in": sorted(_REACHES[audience])}, then=F(field)),
        default=Value(""),
        output_field=CharField(),
    )


__all__ = [
    "Audience",
    "ContactField",
    "HasContact",
    "Visibility",
    "audience_of",
    "contact_for",
    "may_see",
    "visible_contact",
    "visible_value_expression",
]
