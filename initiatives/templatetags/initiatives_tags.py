from django import template

from .. import selectors

register = template.Library()


@register.inclusion_tag("initiatives/partials/home_section.html")
def initiatives_home_section(limit: int = 6):
    return {"initiatives": list(selectors.initiative_latest(limit=limit))}
