"""Reads of the accounts app: a person's own account data, and their data archives."""

from __future__ import annotations

from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.urls import reverse

from . import personal_data
from .models import DataExport

DOWNLOAD_SALT = "accounts.data-export.download"


def personal_data_of(user: Any) -> personal_data.Portion:
    """The account: every field of the user but the password hash, their email addresses, their
    roles, and which kinds of second factor they use (never the secrets themselves)."""
    return personal_data.Portion(
        data={
            "account": personal_data.record(user),
            "email_addresses": [
                {"email": row.email, "verified": row.verified, "primary": row.primary}
                for row in EmailAddress.objects.filter(user=user).order_by("pk")
            ],
            "roles": sorted(user.groups.values_list("name", flat=True)),
            "second_factors": sorted(
                Authenticator.objects.filter(user=user).values_list("type", flat=True)
            ),
        }
    )


def data_export_latest(*, user: Any) -> DataExport | None:
    return DataExport.objects.latest_of(user)


def data_export_token(export: DataExport) -> str:
    """The signed part of an archive's download address: it names the archive and its owner, and
    lapses with the archive (settings.DATA_EXPORT_HOURS)."""
    return signing.dumps({"e": export.pk, "u": export.user_id}, salt=DOWNLOAD_SALT)


def data_export_download_url(export: DataExport) -> str:
    return reverse("accounts:data_download", args=[data_export_token(export)])


class LinkLapsed(Exception):
    """A genuine download address whose time is up."""


def data_export_from_token(token: str, *, user: Any) -> DataExport | None:
    """The archive a download address names, for its owner signed in, while the signature lasts
    (LinkLapsed after); None for a tampered address, or for another person."""
    try:
        named = signing.loads(token, salt=DOWNLOAD_SALT, max_age=settings.DATA_EXPORT_HOURS * 3600)
    except signing.SignatureExpired:
        raise LinkLapsed from None
    except signing.BadSignature:
        return None
    if not isinstance(named, dict) or named.get("u") != user.pk or not named.get("e"):
        return None
    return DataExport.objects.filter(pk=int(named["e"]), user=user).first()
