"""{% initiative_stories initiative %} on an initiative's page (the registry does not import stories),
and {% story_reading story as r %}: a story's text in the reader's language, or its fallback."""

from django import template
from django.conf import settings
from django.utils.translation import get_language

from initiatives.selectors import initiative_shows
from initiatives.stories import selectors, services
from initiatives.stories.models import Reading, Story

register = template.Library()


@register.simple_tag
def story_reading(story: Story) -> Reading:
    return story.reading(get_language() or settings.LANGUAGE_CODE)


@register.inclusion_tag("stories/partials/initiative_stories.html", takes_context=True)
def initiative_stories(context, initiative) -> dict:
    user = context.get("user")
    return {
        "initiative": initiative,
        # Asked only when the page's own query found some (most initiatives have none).
        "stories": selectors.stories_for_initiative(initiative=initiative)
        if initiative_shows(initiative, "stories")
        else [],
        "can_propose": user is not None and services.can_propose(user),
    }
