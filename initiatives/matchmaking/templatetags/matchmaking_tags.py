"""Matchmaking on pages owned by the registry: `{% initiative_collaboration initiative %}` shows an
initiative's live offers and needs and its joint-project badges (4 queries, whatever the counts)."""

from django import template

from initiatives.models import Initiative

from .. import selectors

register = template.Library()


@register.inclusion_tag("matchmaking/partials/initiative_collaboration.html", takes_context=True)
def initiative_collaboration(context, initiative: Initiative) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    posts = selectors.live_posts_of(initiative=initiative)
    return {
        "initiative": initiative,
        "offers": [p for p in posts if p.direction == "offer"],
        "needs": [p for p in posts if p.direction == "need"],
        "projects": selectors.projects_of_initiative(initiative=initiative),
        "can_write": bool(user and user.is_authenticated),
    }
