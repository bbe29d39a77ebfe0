"""Sections that apps add to a page they do not own (the home page, a joint project's page).

The page's app keeps one `SectionRegistry` and renders it; each other app registers its own section
in its AppConfig.ready(), so the page imports none of them:

    HOME.register("stories", template="stories/partials/home_section.html",
                  context=lambda request: {...} or None, order=20)

A section's context function receives the request and the page's own objects (a project, ...) and
returns its template's context, or None to leave the section out. Sections render in `order`, then
in the order they were registered. The template renders the whole section, autoescaped.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable[..., dict | None]  # (request, *page objects) -> context or None
    order: int


class SectionRegistry:
    def __init__(self) -> None:
        self._sections: dict[str, Section] = {}

    def register(
        self, key: str, *, template: str, context: Callable[..., dict | None], order: int = 100
    ) -> None:
        self._sections[key] = Section(key=key, template=template, context=context, order=order)

    def unregister(self, key: str) -> None:
        self._sections.pop(key, None)

    def sections(self) -> list[Section]:
        return sorted(self._sections.values(), key=lambda section: section.order)

    def render(self, request: Any, *args: Any, **shared: Any) -> list[SafeString]:
        """Each section's HTML, in order: `args` go to the context functions, `shared` into every
        section's template context (under the section's own)."""
        rendered = []
        for section in self.sections():
            context = section.context(request, *args)
            if context is not None:
                html = render_to_string(section.template, {**shared, **context}, request=request)
                rendered.append(mark_safe(html))  # noqa: S308 (the apps' own templates, autoescaped)
        return rendered
