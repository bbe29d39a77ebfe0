"""The platform's roles. Each is a Django group created by a data migration."""

from django.contrib.auth.models import Group

MEMBER = "member"
PROMOTER = "promoter"
MODERATOR = "moderator"
ALL_ROLES = (MEMBER, PROMOTER, MODERATOR)


def has_role(user, role: str) -> bool:
    """True for an active user in the role's group (superusers hold every role)."""
    if not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    # The set of names is cached on the user object for the rest of the request.
    names = getattr(user, "_role_names", None)
    if names is None:
        names = set(user.groups.values_list("name", flat=True))
        user._role_names = names
    return role in names


def is_moderator(user) -> bool:
    return has_role(user, MODERATOR)


def grant_role(user, role: str) -> None:
    # get_or_create: tests that flush the database (browser journeys) also flush the seeded groups.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if hasattr(user, "_role_names"):
        del user._role_names
