"""Sections that apps to the left of the registry add to a joint project's page.

Meetings (community.meetings) and library resources (library) may import the registry, not the
other way round; so each of them links its own objects to a project and registers a section:

    register_project_section("meetings", template="meetings/partials/project.html",
                             context=lambda request, project: {...} or None, order=10)

The section's template renders a whole <section> with an <h2>; a context of None leaves it out.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class ProjectSection:
    key: str
    template: str
    context: Callable[[Any, Any], dict | None]  # (request, project) -> context or None
    order: int


_sections: dict[str, ProjectSection] = {}


def register_project_section(
    key: str, *, template: str, context: Callable[[Any, Any], dict | None], order: int = 100
) -> None:
    _sections[key] = ProjectSection(key=key, template=template, context=context, order=order)


def unregister_project_section(key: str) -> None:
    _sections.pop(key, None)


def render_project_sections(request, project) -> list[SafeString]:
    rendered = []
    for section in sorted(_sections.values(), key=lambda s: s.order):
        context = section.context(request, project)
        if context is not None:
            html = render_to_string(section.template, {"project": project, **context}, request)
            rendered.append(mark_safe(html))  # noqa: S308 (the apps' own templates, autoescaped)
    return rendered
