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

import datetime as dt
import decimal
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ObjectDoesNotExist
from django.db import models
from django.db.models.fields.files import FieldFile

from . import privacy


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
    description: Any = ""  # what the part holds, for the archive's README (a lazy translation)


_exports: dict[str, _Entry] = {}
_closings: dict[str, _Entry] = {}


def register_export(
    key: str, function: Callable[[Any], Portion], *, order: int = 100, description: Any = ""
) -> None:
    _exports[key] = _Entry(key=key, function=function, order=order, description=description)


def register_closing(key: str, function: Callable[..., None], *, order: int = 100) -> None:
    """`function(*, closing: Closing) -> None`, keyword-only like every service."""
    _closings[key] = _Entry(key=key, function=function, order=order)


def exports() -> list[tuple[str, Callable[[Any], Portion]]]:
    return [(entry.key, entry.function) for entry in sorted(_exports.values(), key=_order)]


def export_descriptions() -> dict[str, Any]:
    """What each part of the archive holds, by key (for its README)."""
    return {key: entry.description for key, entry in _exports.items()}


def closings() -> list[tuple[str, Callable[..., None]]]:
    return [(entry.key, entry.function) for entry in sorted(_closings.values(), key=_order)]


def _order(entry: _Entry) -> tuple[int, str]:
    return (entry.order, entry.key)


# --- Helpers for the readers ----------------------------------------------------------------------

# Never in an archive, whatever the model: credentials, secrets and internal tokens, and the
# search machinery (a copy of other fields).
_NEVER = ("password", "secret", "token", "search_document", "search_vector")


def record(obj: Any, *, exclude: Iterable[str] = (), files: dict[str, str] | None = None) -> dict:
    """Every concrete field of `obj` as JSON-able data, so that a field added later is exported
    without anyone remembering to: a foreign key as its id (`<name>_id`), a file as the name it
    has in the archive (`files`: field name -> archive name, else the stored name), dates in ISO
    8601 (UTC). Fields named like a credential or a token are left out, as are `exclude`."""
    left_out = set(exclude)
    data: dict[str, Any] = {}
    for model_field in obj._meta.concrete_fields:
        name = model_field.name
        if name in left_out or any(word in name for word in _NEVER):
            continue
        if isinstance(model_field, SearchVectorField):
            continue
        if model_field.is_relation:
            data[model_field.attname] = getattr(obj, model_field.attname)
            continue
        value = getattr(obj, name)
        if isinstance(model_field, models.FileField):
            value = (files or {}).get(name, value.name or "") if value else ""
        data[name] = _plain(value)
    return data


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)  # a country, a choice, a lazy string


def someone(other: Any, *, viewer: Any) -> dict | None:
    """Another person as the archive's owner may see them: their public name, and the contact
    details their community profile shows to this viewer (iapt_platform.accounts.privacy), never
    more. Load `member_profile` with the person (select_related) to keep the queries flat."""
    if other is None:
        return None
    shown: dict[str, Any] = {"name": other.display_name or ""}
    try:
        profile = other.member_profile
    except (ObjectDoesNotExist, AttributeError):
        return shown
    shown["handle"] = profile.handle
    shown.update(
        {
            name: value
            for name, value in privacy.contact_for(profile, viewer=viewer).items()
            if value
        }
    )
    return shown


def file_name(prefix: str, file: FieldFile) -> str:
    """The name a stored file gets in the archive: under the part's folder, with its own name."""
    return f"{prefix}/{(file.name or '').rsplit('/', 1)[-1]}"


def verified_emails(user: Any) -> list[str]:
    """The addresses the person has proved are theirs (lower case): what they did before signing
    up with one of them (a bulletin subscription, a meeting registration) is theirs too."""
    from allauth.account.models import EmailAddress  # allauth's models load after this module

    return sorted(
        {
            address.lower()
            for address in EmailAddress.objects.filter(user=user, verified=True).values_list(
                "email", flat=True
            )
        }
    )
