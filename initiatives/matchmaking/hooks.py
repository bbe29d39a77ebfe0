"""Sections that apps to the left of the registry add to a joint project's page.

Meetings (community.meetings) and library resources (library) may import the registry, not the
other way round; so each of them links its own objects to a project and registers a section
(see iapt_platform.lib.sections):

    register_project_section("meetings", template="meetings/partials/project.html",
                             context=lambda request, project: {...} or None, order=10)

The section's template renders a whole <section> with an <h2>, with `project` in its context; a
context of None leaves it out.
"""

from typing import Any

from django.utils.safestring import SafeString

from iapt_platform.lib.sections import SectionRegistry

PROJECT_SECTIONS = SectionRegistry()
register_project_section = PROJECT_SECTIONS.register
unregister_project_section = PROJECT_SECTIONS.unregister


def render_project_sections(request: Any, project: Any) -> list[SafeString]:
    return PROJECT_SECTIONS.render(request, project, project=project)
