from django.contrib.auth.models import Group

from . import roles
from .models import User


def user_set_language(*, user: User, language: str) -> None:
    if user.language != language:
        user.language = language
        user.save(update_fields=["language"])


def user_update_profile(*, user: User, data: dict) -> User:
    """Save the profile fields of `data` (already cleaned by ProfileForm)."""
    for name, value in data.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save(update_fields=list(data))
    return user


# The roles moderators grant and withdraw in the admin (members are members by signing up).
MANAGED_ROLES = (roles.PROMOTER, roles.MODERATOR)


def user_role_set(*, user: User, role: str, granted: bool) -> bool:
    """Grant or withdraw `role`; False when nothing changed (superusers hold every role anyway)."""
    if role not in MANAGED_ROLES:
        raise ValueError(f"Roles managed here: {MANAGED_ROLES}, not {role!r}.")
    # The group, not the power: a moderator who never set up TOTP still has a role to withdraw.
    if user.is_superuser or roles.holds_role(user, role) == granted:
        return False
    if granted:
        roles.grant_role(user, role)
    else:
        user.groups.remove(*Group.objects.filter(name=role))
        if hasattr(user, "_role_names"):
            del user._role_names
    return True
