"""Matchmaking on pages owned by the registry: `{% initiative_collaboration initiative %}` shows an
initiative's live offers and needs and its joint-project badges (2 queries when it has both, none
when the page's own query found neither)."""

from django import template

from initiatives.models import Initiative
from initiatives.selectors import initiative_shows

from .. import selectors

register = template.Library()


@register.inclusion_tag("matchmaking/partials/initiative_collaboration.html", takes_context=True)
def initiative_collaboration(context, initiative: Initiative) -> dict:
    request = context.get("request")
    user = getattr(request, "user", None)
    # The page's own query says whether there is any (most initiatives have none).
    posts = (
        selectors.live_posts_of(initiative=initiative)
        if initiative_shows(initiative, "collaboration_posts")
        else []
    )
    return {
        "initiative": initiative,
        "offers": [p for p in posts if p.direction == "offer"],
        "needs": [p for p in posts if p.direction == "need"],
        "projects": selectors.projects_of_initiative(initiative=initiative)
        if initiative_shows(initiative, "joint_projects")
        else [],
        "can_write": bool(user and user.is_authenticated),
    }
