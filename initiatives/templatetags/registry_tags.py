"""The lists of an initiative's page (its sectors, its related initiatives), built here rather
than in a template loop: each variable and tag of a loop costs more than the whole line does here
(as `facet_items`), and each list reverses its address once, not once per item."""

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote

from django import template
from django.urls import reverse
from django.utils.html import format_html_join
from django.utils.regex_helper import _lazy_re_compile
from django.utils.safestring import SafeString

register = template.Library()

_MARK = "slug-of-each-item"
_SAFE = "!$&'()*+,;=/~:@"  # what Django's reverse() leaves unquoted in an address (RFC 3986)
_SLUG = _lazy_re_compile(r"^[-a-zA-Z0-9_]+$")


def addresses(name: str, slugs: Iterable[str]) -> list[str]:
    """The address of the page `name` (one slug argument) for each slug, as reverse() gives it,
    reversed once."""
    prefix, suffix = reverse(name, args=[_MARK]).split(_MARK)
    return [
        f"{prefix}{slug if _SLUG.match(slug) else quote(slug, safe=_SAFE)}{suffix}"
        for slug in slugs
    ]


@register.simple_tag
def sector_links(sectors: Iterable[Any]) -> SafeString:
    """{% sector_links initiative.sectors.all %}: each sector's name, a link to its page,
    separated by commas; a dash for none."""
    sectors = list(sectors)
    if not sectors:
        return SafeString("—")
    urls = addresses("initiatives:sector", [sector.slug for sector in sectors])
    return format_html_join(
        ", ", '<a href="{}">{}</a>', zip(urls, (sector.name for sector in sectors), strict=True)
    )


@register.simple_tag
def related_cards(related: list[Any]) -> SafeString:
    """{% related_cards related %}: a card (`<li>`) for each related initiative (a RelatedCard):
    its name, a link to its page, its country and its sectors."""
    urls = addresses("initiatives:detail", [card.slug for card in related])
    return format_html_join(
        "\n",
        '<li class="card"><h3><a href="{}">{}</a></h3><p class="meta">{} · {}</p></li>',
        (
            (url, card.name, card.country.name, ", ".join(str(s.name) for s in card.sectors))
            for url, card in zip(urls, related, strict=True)
        ),
    )
