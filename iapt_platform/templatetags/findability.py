"""The <head> tags of findability: {% capture %}, {% social_meta %} and |json_ld.

base.html captures its title and description blocks once, shows them in <title> and the
description, and passes them to {% social_meta %}; pages fill the blocks `social_type`,
`social_image`, `social_image_alt` and `social_card`, and give their JSON-LD as
`structured_data` in the context (a dict built by the app's presenter).
"""

import re
from typing import Any

from django import template
from django.utils.safestring import SafeString, mark_safe

from iapt_platform.lib import seo

register = template.Library()

_SPACES = re.compile(r"\s+")


class CaptureNode(template.Node):
    child_nodelists = ("nodelist",)  # so that {% block %}s inside are found and overridden

    def __init__(self, nodelist: template.NodeList, name: str):
        self.nodelist = nodelist
        self.name = name

    def render(self, context: template.Context) -> str:
        # The nodes render escaped HTML; whitespace of the template's lines goes.
        context[self.name] = mark_safe(_SPACES.sub(" ", self.nodelist.render(context)).strip())  # noqa: S308
        return ""


@register.tag
def capture(parser: template.base.Parser, token: template.base.Token) -> CaptureNode:
    """{% capture as name %}...{% endcapture %}: renders its content once into `name`."""
    bits = token.split_contents()
    if len(bits) != 3 or bits[1] != "as":
        raise template.TemplateSyntaxError("Usage: {% capture as name %}...{% endcapture %}")
    nodelist = parser.parse(("endcapture",))
    parser.delete_first_token()
    return CaptureNode(nodelist, bits[2])


@register.inclusion_tag("includes/social_meta.html", takes_context=True)
def social_meta(
    context: template.Context,
    *,
    title: str,
    description: str,
    type: str = "website",
    image: str = "",
    image_alt: str = "",
    card: str = "",
) -> dict[str, Any]:
    """Canonical link, OpenGraph and Twitter card of the page being rendered."""
    request = context.get("request")
    if request is None:  # a page rendered outside a request has no address to give
        return {}
    language = seo.current_language()
    image_url = seo.absolute(image) or seo.default_image(language)
    return {
        "url": seo.canonical_url(request),
        "title": title,
        "description": description,
        "type": type or "website",
        "image": image_url,
        "image_alt": image_alt,
        # The default card is a wide picture; a logo or a cover is shown small unless the page
        # says its picture is a wide one.
        "card": card or ("summary" if image else "summary_large_image"),
        "locale": seo.og_locale(language),
        "locale_alternates": seo.og_locale_alternates(language),
    }


@register.filter
def json_ld(data: dict[str, Any] | None) -> SafeString:
    """{{ structured_data|json_ld }}: the page's one JSON-LD element (nothing without data)."""
    return seo.json_ld_script(data) if data else SafeString("")
