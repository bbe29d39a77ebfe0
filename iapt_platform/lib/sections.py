"""Sections that apps add to a page they do not own (the home page, a joint project's page).

The page's app keeps one `SectionRegistry` and renders it; each other app registers its own section
in its AppConfig.ready(), so the page imports none of them:

    HOME.register("stories", template="stories/partials/home_section.html",
                  context=lambda request: {...} or None, order=20)

A section that shows the same to everyone (the latest initiatives, not the reader's threads) may
name its content's version (`version=REGISTRY.get`, a `CacheVersion`): its HTML is then kept in the
cache per language and time zone until that version changes, so the page neither asks the
database nor renders it again while nothing it shows has changed.

A section only members see (the reader's threads) says `visitors=False`; the page kept for
visitors combines the versions of the others (`visitors_version`), so every section visitors see
must name one.

A section's context function receives the request and the page's own objects (a project, ...) and
returns its template's context, or None to leave the section out. Sections render in `order`, then
in the order they were registered. The template renders the whole section, autoescaped.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.safestring import SafeString, mark_safe

from .cache import versions_read_together


@dataclass(frozen=True)
class Section:
    key: str
    template: str
    context: Callable[..., dict | None]  # (request, *page objects) -> context or None
    order: int
    version: Callable[[], object] | None = None  # the content's CacheVersion: keep the HTML
    visitors: bool = True  # False: shown to signed-in members only (never in a visitor's page)


# Kept sections are replaced by a version change; this only bounds what an unused one occupies.
KEEP_SECONDS = 24 * 3600


class SectionRegistry:
    def __init__(self, name: str = "") -> None:
        self.name = name
        self._sections: dict[str, Section] = {}

    def register(
        self,
        key: str,
        *,
        template: str,
        context: Callable[..., dict | None],
        order: int = 100,
        version: Callable[[], object] | None = None,
        visitors: bool = True,
    ) -> None:
        self._sections[key] = Section(
            key=key,
            template=template,
            context=context,
            order=order,
            version=version,
            visitors=visitors,
        )

    def unregister(self, key: str) -> None:
        self._sections.pop(key, None)

    def sections(self) -> list[Section]:
        return sorted(self._sections.values(), key=lambda section: section.order)

    def visitors_version(self) -> str | None:
        """The versions of every section a visitor may see, as one: the version of the page the
        registry fills, for the visitors' page cache (iapt_platform.lib.pagecache). None when a
        section visitors see names no version (the page cannot be kept then)."""
        versions = []
        with versions_read_together():
            for section in self.sections():
                if not section.visitors:
                    continue
                if section.version is None:
                    return None
                versions.append(str(section.version()))
        return ".".join(versions)

    def render(self, request: Any, *args: Any, **shared: Any) -> list[SafeString]:
        """Each section's HTML, in order: `args` go to the context functions, `shared` into every
        section's template context (under the section's own). The kept sections' versions, then
        their HTML, are read in one cache call each."""
        sections = self.sections()
        keys: dict[str, str] = {}
        with versions_read_together():
            for section in sections:
                if section.version is not None and self.name and not args and not shared:
                    keys[section.key] = ":".join(
                        [
                            "sections",
                            self.name,
                            section.key,
                            str(section.version()),
                            translation.get_language() or "",
                            timezone.get_current_timezone_name(),
                        ]
                    )
        found = cache.get_many(list(keys.values())) if keys else {}
        rendered = []
        for section in sections:
            key = keys.get(section.key, "")
            if key in found:
                if found[key]:
                    rendered.append(mark_safe(found[key]))  # noqa: S308 (rendered below)
                continue
            context = section.context(request, *args)
            html = ""
            if context is not None:
                html = render_to_string(section.template, {**shared, **context}, request=request)
                rendered.append(mark_safe(html))  # noqa: S308 (the apps' own templates, autoescaped)
            if key:
                cache.set(key, html, KEEP_SECONDS)  # "" keeps "no section" as well
        return rendered
