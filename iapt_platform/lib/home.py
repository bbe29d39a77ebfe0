"""Sections of the home page. Each app registers its own in AppConfig.ready(), so the home page
knows no app: `register_home_section("stories", template="stories/partials/home.html",
context=lambda request: {...}, order=20)`."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class HomeSection:
    key: str
    template: str
    context: Callable[[Any], dict]
    order: int


_sections: dict[str, HomeSection] = {}


def register_home_section(
    key: str, *, template: str, context: Callable[[Any], dict], order: int
) -> None:
    _sections[key] = HomeSection(key=key, template=template, context=context, order=order)


def render_home_sections(request) -> list[SafeString]:
    """Each section's HTML, in order; a section whose context is None is left out."""
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        context = section.context(request)
        if context is not None:
            html = render_to_string(section.template, context, request=request)
            rendered.append(mark_safe(html))  # noqa: S308 (our own templates, autoescaped)
    return rendered
