import datetime as dt
import secrets
import tempfile
from dataclasses import dataclass
from importlib import import_module
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.core.exceptions import PermissionDenied
from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from iapt_platform.lib import emails, ratelimit
from iapt_platform.lib.queueing import delay_on_commit
from iapt_platform.lib.storage import delete_on_commit, private_storage

from . import archive, personal_data, roles, selectors
from .models import AccountClosure, DataExport, User


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


# --- Download my data -----------------------------------------------------------------------------

# A build that has not finished after this long was lost with its worker: the beat sends it again,
# up to DATA_EXPORT_ATTEMPTS times in all.
DATA_EXPORT_STALE_MINUTES = 30
DATA_EXPORT_ATTEMPTS = 3
DATA_EXPORT_SWEEP_BATCH = 200


class DataExportRefused(Exception):
    ALREADY_PREPARING = "already_preparing"
    TOO_MANY = "too_many"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def data_export_request(*, user: User) -> DataExport:
    """Ask for an archive of `user`'s data: built by a task, announced by email. One in
    preparation at a time, and DATA_EXPORT_DAILY_LIMIT a day."""
    from . import tasks

    if DataExport.objects.filter(user=user, status=DataExport.Status.PREPARING).exists():
        raise DataExportRefused(DataExportRefused.ALREADY_PREPARING)
    if not ratelimit.within_limit(
        f"data-export:{user.pk}", limit=settings.DATA_EXPORT_DAILY_LIMIT, seconds=86400
    ):
        raise DataExportRefused(DataExportRefused.TOO_MANY)
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user)
    except IntegrityError:  # a second request at the same moment: the constraint decided
        raise DataExportRefused(DataExportRefused.ALREADY_PREPARING) from None
    # Not in the request if the broker is away: the beat's sweep sends requests nobody claimed.
    delay_on_commit(tasks.build_data_export, export.pk)
    return export


def data_export_build(*, export_id: int) -> bool:
    """Build the archive of a request, store it privately and email its link; False when another
    run has it (or it is no longer waiting)."""
    now = timezone.now()
    stale = now - dt.timedelta(minutes=DATA_EXPORT_STALE_MINUTES)
    claimed = (
        DataExport.objects.filter(pk=export_id, status=DataExport.Status.PREPARING)
        .filter(Q(started_at__isnull=True) | Q(started_at__lt=stale))
        .update(started_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return False
    export = DataExport.objects.select_related("user").get(pk=export_id)
    with tempfile.TemporaryFile() as out:
        archive.archive_write(user=export.user, out=out)
        size = out.tell()
        out.seek(0)
        with transaction.atomic():
            # Still ours (a sweep may have given up on a build this slow and failed it).
            if (
                not DataExport.objects.select_for_update()
                .filter(pk=export_id, status=DataExport.Status.PREPARING, started_at=now)
                .exists()
            ):
                return False
            export.file.save(f"{secrets.token_urlsafe(24)}.zip", File(out), save=False)
            # The file is written before the commit: a failure below must not leave it behind.
            try:
                export.status = DataExport.Status.READY
                export.ready_at = timezone.now()
                export.expires_at = export.ready_at + dt.timedelta(hours=settings.DATA_EXPORT_HOURS)
                export.size = size
                export.save(update_fields=["file", "status", "ready_at", "expires_at", "size"])
                _data_exports_replace(export)
                emails.send(
                    template="accounts/data_export_ready",
                    to=export.user,
                    context={
                        "url": settings.SITE_URL + selectors.data_export_download_url(export),
                        "expires_at": export.expires_at,
                        "size": size,
                    },
                )
            except Exception:
                export.file.storage.delete(export.file.name)
                raise
    return True


def _data_exports_replace(export: DataExport) -> None:
    """A person keeps one archive: the new one replaces those still downloadable."""
    older = DataExport.objects.filter(user_id=export.user_id, status=DataExport.Status.READY)
    older = older.exclude(pk=export.pk)
    names = list(older.values_list("file", flat=True))
    older.update(status=DataExport.Status.EXPIRED, file="", size=0)
    delete_on_commit(private_storage(), names)


def data_export_fail(*, export_id: int) -> None:
    """A build raised: the person sees it failed and may ask again."""
    DataExport.objects.filter(pk=export_id, status=DataExport.Status.PREPARING).update(
        status=DataExport.Status.FAILED
    )


@dataclass(frozen=True)
class DataExportSweep:
    expired: int
    resent: list[int]
    failed: int


def data_exports_sweep(*, now: dt.datetime | None = None) -> DataExportSweep:
    """The beat's round: delete the archives whose time is up (each row claimed before its file
    goes), give up on builds lost too often, and list the lost builds to send again."""
    now = now or timezone.now()
    with transaction.atomic():
        due = list(
            DataExport.objects.select_for_update(skip_locked=True)
            .filter(status=DataExport.Status.READY, expires_at__lte=now)
            .values_list("pk", "file")[:DATA_EXPORT_SWEEP_BATCH]
        )
        expired = DataExport.objects.filter(
            pk__in=[pk for pk, _name in due], status=DataExport.Status.READY
        ).update(status=DataExport.Status.EXPIRED, file="", size=0)
        delete_on_commit(private_storage(), [name for _pk, name in due])
    stale = now - dt.timedelta(minutes=DATA_EXPORT_STALE_MINUTES)
    lost = DataExport.objects.filter(status=DataExport.Status.PREPARING).filter(
        Q(started_at__lt=stale) | Q(started_at__isnull=True, requested_at__lt=stale)
    )
    failed = lost.filter(attempts__gte=DATA_EXPORT_ATTEMPTS).update(status=DataExport.Status.FAILED)
    resent = list(lost.filter(attempts__lt=DATA_EXPORT_ATTEMPTS).values_list("pk", flat=True))
    return DataExportSweep(expired=expired, resent=resent, failed=failed)


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
    key, so the live ones are read one by one: closing an account is rare. Their copies in the
    cache (the cached_db engine) go too, now and once the transaction commits (a request reading
    the session meanwhile may have cached it again)."""
    ended = []
    for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            ended.append(session.session_key)
    Session.objects.filter(session_key__in=ended).delete()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if ended and hasattr(store, "cache_key_prefix"):
        cached = caches[settings.SESSION_CACHE_ALIAS]
        keys = [store.cache_key_prefix + key for key in ended]

        def forget() -> None:
            cached.delete_many(keys)

        forget()
        transaction.on_commit(forget)
    return len(ended)
