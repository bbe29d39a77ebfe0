"""The "Meetings" section of a joint project's page (registered in apps.py through the registry's
hooks, which never import meetings)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from iapt_platform.accounts import roles

from . import selectors


def can_link_meeting(*, user: Any, project: Any) -> bool:
    """Meetings are organised by moderators, for any published joint project."""
    return roles.is_moderator(user) and project.status == project.Status.PUBLISHED


def project_section(request: Any, project: Any) -> dict[str, Any] | None:
    """The project's published meetings; None (no section) when there are none, except for
    someone who may link one, who sees how."""
    upcoming, past = selectors.meetings_of_project(project=project)
    create_url = ""
    if can_link_meeting(user=request.user, project=project):
        create_url = f"{reverse('meetings:staff_create')}?project={project.pk}"
    if not upcoming and not past and not create_url:
        return None
    return {"upcoming": upcoming, "past": past, "create_url": create_url}
