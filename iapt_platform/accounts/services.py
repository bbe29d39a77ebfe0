from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from iapt_platform.lib import emails

from . import personal_data, roles
from .models import AccountClosure, User


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


# --- Closing an account ---------------------------------------------------------------------------


class ClosingRefused(ValueError):
    """An account that cannot be closed this way; the message is translated, for the person."""


def account_closing_refusal(*, user: User, by: Any = None) -> str | None:
    """Why `user`'s account cannot be closed (by `by`, a moderator, or by the person), or None."""
    if by is not None:
        if not roles.is_moderator(by):
            raise PermissionDenied
        if by.pk == user.pk:
            return _("Close your own account from your account page.")
        # Staff rights are withdrawn first, on purpose, by someone who may withdraw them: a
        # moderator cannot remove another moderator (or a superuser) in one step.
        if user.is_superuser or user.is_staff or roles.holds_role(user, roles.MODERATOR):
            return _(
                "This account holds staff rights. A superuser withdraws them in the admin first; "
                "then the account can be closed."
            )
    elif (
        user.is_superuser
        and not User.objects.filter(is_superuser=True, is_active=True).exclude(pk=user.pk).exists()
    ):
        return _("You are the only superuser: make someone else a superuser before you leave.")
    return None


def account_close(
    *, user: User, remove_posts: bool = False, by: Any = None, reason: str = ""
) -> AccountClosure:
    """Delete `user`'s account in one transaction. Each app first removes or detaches what it
    holds about the person (its closer, registered in accounts.personal_data); what others rely
    on stays without them. The person's sessions end everywhere, their authenticators go, and a
    last email tells them it is done, in their language. Files leave after the commit
    (django-cleanup). `by` is the moderator acting at the person's request, with a reason."""
    refusal = account_closing_refusal(user=user, by=by)
    if refusal:
        raise ClosingRefused(refusal)
    reason = reason.strip()
    if by is not None and not reason:
        raise ClosingRefused(_("Say why, and on which request, you close this account."))
    # Read before the row goes: the last email needs where and in which language to write.
    address, language, number = user.email, user.language, user.pk
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        closing = personal_data.Closing(user=user, remove_posts=remove_posts, by=by)
        for _key, closer in personal_data.closings():
            closer(closing=closing)
        Authenticator.objects.filter(user=user).delete()
        sessions_end(user=user)
        EmailAddress.objects.filter(user=user).delete()
        user.delete()
        record = AccountClosure.objects.create(
            account_number=number,
            closed_by=by,
            reason=reason,
            removed_posts=remove_posts,
        )
        emails.send(
            template="accounts/closed",
            to=address,
            language=language,
            context={"by_moderator": by is not None, "removed_posts": remove_posts},
        )
    return record


def sessions_end(*, user: User) -> int:
    """End every session of `user`, on every device. Sessions are signed blobs keyed by their
    key, so the live ones are read one by one: closing an account is rare."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    return len(ended)
