"""Addresses of public pages in a given language (lib/languages.py): tests run with English
active, so a plain reverse() gives the English page's address."""

from django.urls import reverse
from django.utils import translation


def address(name: str, args=None, kwargs=None, *, language: str = "es") -> str:
    """reverse() in `language` (Spanish, the unprefixed address, unless told)."""
    with translation.override(language):
        return reverse(name, args=args, kwargs=kwargs)
