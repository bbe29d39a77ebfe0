"""The platform's roles. Each is a Django group created by a data migration.

The moderator's power needs its second factor: `is_moderator` is true only for someone in the
moderators' group (or a superuser) who has activated an authenticator app. Every check of the
power goes through it, in views (`moderator_required`), services, selectors and templates, so
that a password alone never carries it. Someone in the group without the app is a plain member
everywhere until they set one up; `awaits_second_factor` tells the pages that send them there.
Superusers hold every role, and need the app for moderator powers like everyone else: they hold
the most power, so a stolen password must carry none of it (the admin asks them for it too).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from allauth.mfa.models import Authenticator
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import redirect
from django.utils.translation import gettext as _

MEMBER = "member"
PROMOTER = "promoter"
MODERATOR = "moderator"
ALL_ROLES = (MEMBER, PROMOTER, MODERATOR)


def _in_group(user, role: str) -> bool:
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


def holds_role(user, role: str) -> bool:
    """In the role's group, whether or not its power is usable yet (for granting and withdrawing
    the role itself, never for using it)."""
    return _in_group(user, role)


def has_second_factor(user) -> bool:
    """True when the user has activated an authenticator app (cached for the request)."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_has_totp", None)
    if cached is None:
        cached = Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists()
        user._has_totp = cached
    return cached


def has_role(user, role: str) -> bool:
    """True when the user holds the role and may use it (the moderator's needs its factor)."""
    if role == MODERATOR:
        return is_moderator(user)
    return _in_group(user, role)


def is_moderator(user) -> bool:
    """The one rule for the moderator's power: the role, with an activated authenticator app."""
    return _in_group(user, MODERATOR) and has_second_factor(user)


def awaits_second_factor(user) -> bool:
    """Holds the moderator role (or is staff) but has no authenticator app yet."""
    if not user.is_authenticated or not user.is_active:
        return False
    return (user.is_staff or _in_group(user, MODERATOR)) and not has_second_factor(user)


def moderators() -> QuerySet:
    """The accounts `is_moderator` is true for, as a query (for notices and lists)."""
    totp = Authenticator.objects.filter(user=OuterRef("pk"), type=Authenticator.Type.TOTP)
    in_role = Q(is_superuser=True) | Q(
        pk__in=Group.objects.filter(name=MODERATOR).values("user__pk")
    )
    return get_user_model().objects.filter(in_role, Exists(totp), is_active=True)


def grant_role(user, role: str) -> None:
    # get_or_create: tests that flush the database (browser journeys) also flush the seeded groups.
    user.groups.add(Group.objects.get_or_create(name=role)[0])
    if hasattr(user, "_role_names"):
        del user._role_names


def send_to_second_factor_setup(request):
    messages.warning(
        request,
        _("Staff areas need two-factor authentication. Set up an authenticator app first."),
    )
    return redirect("mfa_activate_totp")


def moderator_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """The one guard of moderators' views. Visitors go to the sign-in page; a moderator without
    an authenticator app is sent to set one up; anyone else gets a 403."""

    @wraps(view)
    def wrapper(request, *args: Any, **kwargs: Any):
        # Imported here: auth's views load its forms, which need the user model (roles is
        # imported while models load).
        from django.contrib.auth.views import redirect_to_login

        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if is_moderator(user):
            return view(request, *args, **kwargs)
        if _in_group(user, MODERATOR):  # the role without its factor
            return send_to_second_factor_setup(request)
        raise PermissionDenied

    return wrapper
