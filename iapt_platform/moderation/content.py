"""What a moderator reads on an item page: the submitted content as (label, plain text) pairs.

Each registered kind gives its pairs (`ModerationKind.content`) and, for an edit of something
already public, the public version's pairs under the same labels (`ModerationKind.public_version`).
Values are plain text; the item page escapes them, and `diff` marks what changed.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import models
from django.utils import formats
from django.utils.text import capfirst
from django.utils.translation import gettext as _

Pair = tuple[str, str]


def label_of(model: type[models.Model], name: str) -> str:
    field = model._meta.get_field(name)
    return str(capfirst(getattr(field, "verbose_name", name)))


def display(value: Any) -> str:
    """A field value as a person reads it: choices and dates in the reader's language."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(_("Yes") if value else _("No"))
    if isinstance(value, datetime | date):
        return str(formats.localize(value))
    if isinstance(value, models.Manager):
        return ", ".join(str(item) for item in value.all())
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or ""
    if isinstance(value, list | tuple):
        return ", ".join(display(item) for item in value)
    name = getattr(value, "name", None)  # django-countries' Country
    if name is not None and hasattr(value, "code"):
        return str(name)
    return str(value)


def field_pairs(obj: models.Model, names: Iterable[str]) -> list[Pair]:
    """The fields `names` of `obj`, each labelled with its verbose name."""
    pairs = []
    for name in names:
        field = obj._meta.get_field(name)
        choices = getattr(field, "flatchoices", None)
        value = getattr(obj, name)
        if choices and isinstance(value, str):
            value = dict(choices).get(value, value)
        pairs.append((label_of(type(obj), name), display(value)))
    return pairs


def codes_display(codes: Sequence[str], choices: Sequence[tuple[str, Any]]) -> str:
    """A JSON list of choice codes (funding sources, topics) in the reader's language."""
    names = dict(choices)
    return ", ".join(str(names.get(code, code)) for code in codes)
