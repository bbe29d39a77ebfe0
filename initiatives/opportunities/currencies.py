"""ISO 4217 currencies an opportunity's amount may be in: the region's own, then the ones donors and
development banks pay in. Names come from Babel's CLDR data, in the reader's language."""

from __future__ import annotations

from decimal import Decimal

from babel.numbers import format_decimal, get_currency_name
from django.utils import translation

CODES = (
    "USD",
    "EUR",
    "ARS",
    "BOB",
    "BRL",
    "CLP",
    "COP",
    "CRC",
    "CUP",
    "DOP",
    "GTQ",
    "HNL",
    "JMD",
    "MXN",
    "NIO",
    "PAB",
    "PEN",
    "PYG",
    "TTD",
    "UYU",
    "XCD",
    "BBD",
    "BSD",
    "BZD",
    "GYD",
    "HTG",
    "SRD",
    "CAD",
    "GBP",
    "JPY",
    "KRW",
    "CNY",
    "CHF",
)


def _locale() -> str:
    return (translation.get_language() or "es").replace("-", "_")


def name(code: str) -> str:
    try:
        return get_currency_name(code, locale=_locale())
    except ValueError:  # a language Babel lacks
        return code


def choices() -> list[tuple[str, str]]:
    """(code, "USD · US dollar") pairs in the active language (a callable: evaluated per form)."""
    return [(code, f"{code} · {name(code)}") for code in CODES]


def display(amount: Decimal, code: str) -> str:
    """`USD 500,000` (`USD 500.000` in Spanish): the code, since "$" names a dozen currencies
    of the region, and the digits as the reader's language groups them."""
    try:
        digits = format_decimal(amount, format="#,##0.##", locale=_locale())
    except ValueError:
        digits = str(amount)
    return f"{code} {digits}"
