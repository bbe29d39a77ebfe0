"""What each app holds about a person, for "download my data" and "close my account".

The accounts app owns both features but imports no app: each app registers, in its
AppConfig.ready(), a reader (a selector) and a closer (a service, called as `closer(closing=...)`) for what it holds:

    from iapt_platform.accounts import personal_data

    personal_data.register_export("forum", selectors.personal_data_of, order=40)
    personal_data.register_closing("forum", services.member_depart, order=40)

An export function receives the person and returns a `Portion`: JSON-able data and the person's
own stored files to put in the archive. A closing function receives a `Closing` and, inside the
transaction that deletes the account, removes or detaches what the app holds about the person;
what others rely on stays, without the person.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models.fields.files import FieldFile


@dataclass
class Portion:
    """One app's part of a person's archive."""

    data: Any  # JSON-able: dicts, lists, strings, numbers, booleans, None
    files: list[tuple[str, FieldFile]] = field(default_factory=list)  # (name in the archive, file)


@dataclass(frozen=True)
class Closing:
    """An account being closed."""

    user: Any  # the accounts.User, still in the database while closers run
    remove_posts: bool = False  # the person asked that their forum posts go too (when unquoted)
    by: Any = None  # the moderator who closed it on the person's request, or None

    def addresses(self) -> set[str]:
        """Every address of the account, in lower case: the main one and allauth's others."""
        from allauth.account.models import EmailAddress

        found = EmailAddress.objects.filter(user=self.user).values_list("email", flat=True)
        return {self.user.email.lower(), *(address.lower() for address in found)}


@dataclass(frozen=True)
class _Entry:
    key: str
    function: Callable[..., Any]
    order: int


_exports: dict[str, _Entry] = {}
_closings: dict[str, _Entry] = {}


def register_export(key: str, function: Callable[[Any], Portion], *, order: int = 100) -> None:
    _exports[key] = _Entry(key=key, function=function, order=order)


def register_closing(key: str, function: Callable[..., None], *, order: int = 100) -> None:
    """`function(*, closing: Closing) -> None`, keyword-only like every service."""
    _closings[key] = _Entry(key=key, function=function, order=order)


def exports() -> list[tuple[str, Callable[[Any], Portion]]]:
    return [(entry.key, entry.function) for entry in sorted(_exports.values(), key=_order)]


def closings() -> list[tuple[str, Callable[..., None]]]:
    return [(entry.key, entry.function) for entry in sorted(_closings.values(), key=_order)]


def _order(entry: _Entry) -> tuple[int, str]:
    return (entry.order, entry.key)
