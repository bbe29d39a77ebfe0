"""The "Library resources" section of a joint project's page (registered in apps.py through the
registry's hooks, which never import the library)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from initiatives.matchmaking.selectors import projects_linkable_by

from . import selectors


def project_section(request: Any, project: Any) -> dict[str, Any] | None:
    """The project's published resources; None (no section) when there are none, except for a
    partner's manager, who is shown how to propose one for the project."""
    resources = list(selectors.resources_of_project(project=project))
    propose_url = ""
    if projects_linkable_by(user=request.user).filter(pk=project.pk).exists():
        propose_url = f"{reverse('library:propose')}?project={project.pk}"
    if not resources and not propose_url:
        return None
    return {"resources": resources, "propose_url": propose_url}
