"""Reading staff content that modeltranslation keeps in one column per language.

Pages choose the language themselves rather than rely on modeltranslation's silent fallback, so
that they can say when the text stands in for the reader's own ("Available in Spanish", the
template `includes/translation_notice.html`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from modeltranslation.utils import build_localized_fieldname

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
SOURCE_LANGUAGE = settings.MODELTRANSLATION_DEFAULT_LANGUAGE  # Spanish first


def localized(obj: Any, field: str, language: str) -> str:
    """The field's text in exactly this language ("" when it has none)."""
    return getattr(obj, build_localized_fieldname(field, language)) or ""


@dataclass(frozen=True)
class Text:
    """A field's text in one language, and whether it stands in for the reader's own."""

    language: str
    text: str
    is_fallback: bool


def in_language(obj: Any, field: str, wanted: str) -> Text:
    """The field in the reader's language if written in it, else Spanish, else the first
    language it is written in; empty when it is written in none."""
    for code in [wanted, SOURCE_LANGUAGE, *LANGUAGE_CODES]:
        text = localized(obj, field, code)
        if text.strip():
            return Text(language=code, text=text, is_fallback=code != wanted)
    return Text(language=wanted, text="", is_fallback=False)
