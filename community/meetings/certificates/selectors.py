"""Reads about certificates: whose attendance is whose, a certificate by its code, exports."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse

from iapt_platform.accounts import personal_data

from ..models import Certificate, Meeting, Registration
from .services import ACTIVE


def _theirs(user: Any, prefix: str = "") -> Q:
    """Registrations of the account, and those made with one of its verified addresses before
    the person signed up (the rule of "download my data")."""
    return Q(**{f"{prefix}user": user}) | Q(
        **{
            f"{prefix}user__isnull": True,
            f"{prefix}email__in": personal_data.verified_emails(user),
        }
    )


def attendance_of(*, meeting: Meeting, user: Any) -> Registration | None:
    """The signed-in person's attended registration for the meeting, if any."""
    if not user.is_authenticated:
        return None
    return (
        meeting.registrations.filter(status__in=ACTIVE, attended=True)
        .filter(_theirs(user))
        .select_related("meeting", "user")
        .order_by("pk")
        .first()
    )


def certificate_by_code(code: str) -> Certificate | None:
    if not code or len(code) > Certificate._meta.get_field("code").max_length:  # type: ignore[operator]
        return None
    return Certificate.objects.select_related("meeting").filter(code=code).first()


def certificates_of_meeting(*, meeting: Meeting) -> QuerySet[Certificate]:
    return meeting.certificates.order_by("name", "pk")


def verification_url(certificate: Certificate, *, language: str) -> str:
    from django.utils import translation

    with translation.override(language):
        return settings.SITE_URL + reverse("meetings:certificate_verify", args=[certificate.code])


def personal_data_of(user: Any) -> personal_data.Portion:
    """The person's certificates: what each says, its code and verification address."""
    certificates = (
        Certificate.objects.filter(_theirs(user, "registration__"))
        .select_related("meeting")
        .order_by("issued_at", "pk")
    )
    return personal_data.Portion(
        data=[
            {
                **personal_data.record(certificate),
                "code": certificate.code,
                "verification_url": verification_url(certificate, language=user.language),
                "meeting": {
                    "slug": certificate.meeting.slug,
                    "title": certificate.meeting.title,
                    "starts_at": certificate.meeting.starts_at.isoformat(),
                    "training_hours": str(certificate.meeting.training_hours),
                },
            }
            for certificate in certificates
        ]
    )
