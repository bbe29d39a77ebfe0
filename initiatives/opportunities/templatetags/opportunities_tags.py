from types import SimpleNamespace

from django import template
from django.conf import settings
from django.utils.translation import get_language

register = template.Library()


@register.simple_tag
def opportunity_reading(opportunity):
    """The title and description in the reader's language, else the one it was written in."""
    title, description, language = opportunity.reading(get_language() or settings.LANGUAGE_CODE)
    return SimpleNamespace(title=title, description=description, language=language)
