"""What moderators may do in the admin, granted by their role rather than by rows in the database.

The admin asks `user.has_perm("app.codename")`; this backend answers yes for a moderator (as
`roles.is_moderator` decides, second factor included) and the permissions below. Kept in code, so
that the one predicate governs the admin too: a moderator who has not set up TOTP, or who lost the
role, holds none of them, and nothing can drift between a group's rows and the role.

Moderators manage the taxonomies, forum categories and their members, library collections,
programmes and the registry (with its bulk import), and grant or withdraw the promoter and
moderator roles. They never get users' passwords, staff or superuser flags, or deletions of
content other than a collection's entries.
"""

from __future__ import annotations

from typing import Any

from . import roles

MANAGE_ROLES = "accounts.manage_roles"


def _view_add_change(*models: str) -> set[str]:
    perms = set()
    for model in models:
        app_label, name = model.split(".")
        perms |= {f"{app_label}.{action}_{name}" for action in ("view", "add", "change")}
    return perms


MODERATOR_PERMISSIONS: frozenset[str] = frozenset(
    _view_add_change(
        "initiatives.sector",
        "initiatives.programme",
        "initiatives.initiative",
        "community.topic",
        "community.category",
        "library.topic",
        "library.collection",
        "library.collectionitem",
        "stories.topic",
        "matchmaking.topic",
        "opportunities.topic",
        "agenda.lineofwork",  # the agenda's lines of work
    )
    | {
        "library.delete_collectionitem",  # taking an entry out of a collection
        "library.view_resource",  # choosing the resources of a collection
        "accounts.view_user",  # the accounts list, where roles are granted
        "accounts.view_accountclosure",  # the audit of closed accounts
        MANAGE_ROLES,
    }
)


class ModeratorPermissionsBackend:
    """Authorises only: it authenticates nobody."""

    def authenticate(self, request: Any, **credentials: Any) -> None:
        return None

    def has_perm(self, user: Any, perm: str, obj: Any = None) -> bool:
        return perm in MODERATOR_PERMISSIONS and roles.is_moderator(user)

    def has_module_perms(self, user: Any, app_label: str) -> bool:
        return roles.is_moderator(user) and any(
            perm.startswith(f"{app_label}.") for perm in MODERATOR_PERMISSIONS
        )

    def get_all_permissions(self, user: Any, obj: Any = None) -> set[str]:
        return set(MODERATOR_PERMISSIONS) if roles.is_moderator(user) else set()
