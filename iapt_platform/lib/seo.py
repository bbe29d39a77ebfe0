"""What search engines and link previews read in a page's <head>: its one address (canonical), the
OpenGraph and Twitter card tags, and schema.org data as JSON-LD.

Every address is absolute on SITE_URL (the public address, whatever host a request came through).
The page's own path carries its language when the addresses have a language prefix, so nothing here
names a language. Each app builds its own JSON-LD (a presenter per type); this module serialises it
and says who publishes the platform.
"""

from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.templatetags.static import static
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language
from django.utils.translation import gettext as _

# OpenGraph names locales as language_TERRITORY; Spanish of the region is Facebook's es_LA.
OG_LOCALES = {"es": "es_LA", "en": "en_US", "pt-br": "pt_BR"}
# The only query parameter that makes another page of the same content; filters, searches and
# tracking tags (utm_*, fbclid) are left out, so that shared links count for one address.
KEPT_PARAMETERS = ("page",)
DEFAULT_CARD = "img/social-card-{language}.png"  # 1200x630, made by scripts/make_icons.py
LOGO = "img/icon-512.png"

# json.dumps leaves "<", ">" and "&" as they are; inside <script> a "</script>" in a name would
# close the element. Escaped as JSON unicode escapes, the data reads the same (as json_script does).
_SCRIPT_ESCAPES = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def absolute(url: str) -> str:
    """An address on the public site; object storage or a CDN may already give a full one."""
    if not url or url.startswith(("https://", "http://")):
        return url
    return f"{settings.SITE_URL}{url}"


def canonical_url(request: HttpRequest) -> str:
    """The page's own public address: its path, and `?page=N` past the first page."""
    url = absolute(request.path)
    page = request.GET.get("page", "")
    if page.isdigit() and int(page) > 1:
        url += f"?page={int(page)}"
    return url


def current_language() -> str:
    return get_language() or settings.LANGUAGE_CODE


def og_locale(language: str) -> str:
    return OG_LOCALES.get(language, OG_LOCALES[settings.LANGUAGE_CODE])


def og_locale_alternates(language: str) -> list[str]:
    return [og_locale(code) for code, _name in settings.LANGUAGES if code != language]


def default_image(language: str) -> str:
    known = language if language in OG_LOCALES else settings.LANGUAGE_CODE
    return absolute(static(DEFAULT_CARD.format(language=known)))


def platform_organization() -> dict[str, Any]:
    """The platform as publisher or organiser, in the reader's language."""
    return {
        "@type": "Organization",
        "name": _("IAPT Platform"),
        "url": f"{settings.SITE_URL}/",
        "logo": absolute(static(LOGO)),
    }


def website() -> dict[str, Any]:
    """schema.org WebSite, for the home page: the site's name and who publishes it."""
    return {
        "@type": "WebSite",
        "name": _("IAPT Platform"),
        "url": f"{settings.SITE_URL}/",
        "inLanguage": current_language(),
        "publisher": platform_organization(),
    }


def iso_date(value) -> str | None:
    """An aware datetime as ISO 8601 with its offset, or None."""
    return value.isoformat(timespec="seconds") if value else None


def json_ld_script(data: dict[str, Any]) -> SafeString:
    """One <script type="application/ld+json"> element holding `data`, safe in any page."""
    if "@context" not in data:
        data = {"@context": "https://schema.org", **data}
    text = json.dumps(data, ensure_ascii=False, default=str).translate(_SCRIPT_ESCAPES)
    return format_html('<script type="application/ld+json">{}</script>', SafeString(text))
