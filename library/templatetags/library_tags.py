"""Links from other apps' pages into the library, without those apps importing it:
`{% load library_tags %}{% initiative_resources initiative %}` on an initiative's page."""

from typing import Any

from django import template

from initiatives.selectors import initiative_shows
from library.selectors import resource_list_public

register = template.Library()


@register.inclusion_tag("library/partials/initiative_resources.html")
def initiative_resources(initiative: Any, limit: int = 6) -> dict[str, Any]:
    if not initiative_shows(initiative, "resources"):  # the page's own query found none
        return {"resources": []}
    resources = list(
        resource_list_public().filter(initiatives=initiative).order_by("-published_at")[:limit]
    )
    return {"resources": resources}
