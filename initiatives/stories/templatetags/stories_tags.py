"""{% initiative_stories initiative %} on an initiative's page (the registry does not import stories),
and {% story_reading story as r %}: a story's text in the reader's language, or its fallback."""

from django import template
from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import get_language

from initiatives.selectors import registry_version
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
        # Read only when the box is not kept rendered (its template's {% cache %}): the same for
        # every reader who may (or may not) propose a story, under the stories' and registry's
        # versions (the cards name initiatives).
        "stories": SimpleLazyObject(
            lambda: selectors.stories_for_initiative(initiative=initiative)
        ),
        "can_propose": user is not None and services.can_propose(user),
        "LANGUAGE_CODE": context.get("LANGUAGE_CODE"),
        "TIME_ZONE": context.get("TIME_ZONE"),
        "version": f"{selectors.stories_version()}.{registry_version()}",
    }
