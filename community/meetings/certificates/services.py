"""Issuing, revoking and restoring certificates of attendance; the person leaving."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from iapt_platform.accounts.personal_data import Closing
from iapt_platform.lib import emails

from ..models import Certificate, Meeting, Registration

ACTIVE = (Registration.Status.REGISTERED, Registration.Status.WAITLISTED)


def _holder_name(registration: Registration) -> str:
    """The member's name as their profile says it now, else the name given at registration."""
    user = registration.user
    if user is not None and user.is_active:
        return (user.get_full_name() or registration.name).strip()[:200]
    return registration.name.strip()[:200]


def certificates_sync(*, meeting: Meeting, now: datetime | None = None) -> list[Certificate]:
    """Make the meeting's certificates agree with its recorded attendance; returns those issued
    now. Nothing happens before the meeting ends. After it: every attendee of a training meeting
    has a certificate (issued once; a revoked one is restored with its code), and every other
    certificate is revoked, all of them when the meeting was cancelled or is no longer training.
    A certificate revoked because its holder closed their account stays revoked."""
    now = now or timezone.now()
    with transaction.atomic():
        # The lock orders two syncs of one meeting (the beat sweep and a download, say).
        locked = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not locked.has_ended(now=now):
            return []
        certificates = locked.certificates.all()
        if not locked.gives_certificates(now=now):
            certificates.filter(revoked_at__isnull=True).update(
                revoked_at=now, revoked_reason=Certificate.Revoked.MEETING
            )
            return []
        attended = list(
            locked.registrations.filter(status__in=ACTIVE, attended=True)
            .select_related("user")
            .order_by("pk")
        )
        attended_ids = {registration.pk for registration in attended}
        have = set(
            certificates.filter(registration__isnull=False).values_list(
                "registration_id", flat=True
            )
        )
        new = [
            Certificate(meeting=locked, registration=registration, name=name, issued_at=now)
            for registration in attended
            if registration.pk not in have and (name := _holder_name(registration))
        ]
        Certificate.objects.bulk_create(new)
        certificates.filter(revoked_at__isnull=True).exclude(
            registration_id__in=attended_ids
        ).update(revoked_at=now, revoked_reason=Certificate.Revoked.ATTENDANCE)
        certificates.filter(registration_id__in=attended_ids, revoked_at__isnull=False).exclude(
            revoked_reason=Certificate.Revoked.CLOSED
        ).update(revoked_at=None, revoked_reason="")
    return new


def certificate_for(*, registration: Registration) -> Certificate | None:
    """The attendee's valid certificate, issued now if the sweep has not issued it yet."""
    found = Certificate.objects.filter(registration=registration).select_related("meeting").first()
    if found is None:
        certificates_sync(meeting=registration.meeting)
        found = (
            Certificate.objects.filter(registration=registration).select_related("meeting").first()
        )
    return found if found is not None and found.is_valid else None


def meetings_due(*, now: datetime | None = None):
    """Ended training meetings with an attendee still without a certificate."""
    now = now or timezone.now()
    return (
        Meeting.objects.filter(
            is_training=True,
            training_hours__isnull=False,
            ends_at__lte=now,
            registrations__status__in=ACTIVE,
            registrations__attended=True,
            registrations__certificate__isnull=True,
            registrations__name__gt="",  # a former member's anonymous attendance gets none
        )
        .exclude(status=Meeting.Status.CANCELLED)
        .distinct()
    )


def certificates_issue_due(*, now: datetime | None = None) -> int:
    """The beat sweep: issue the certificates of meetings that ended, then tell each holder with
    an account (once) that theirs is ready. Returns how many emails went out."""
    for meeting in meetings_due(now=now).order_by("pk"):
        certificates_sync(meeting=meeting, now=now)
    return certificates_notify()


def certificates_notify() -> int:
    """Email each valid, not yet announced certificate's holder; each row is claimed by a
    conditional update first, so that two sweeps never send one twice."""
    waiting = (
        Certificate.objects.valid()
        .filter(notified_at__isnull=True, registration__user__is_active=True)
        .select_related("meeting", "registration__user")
        .order_by("pk")[:500]
    )
    sent = 0
    for certificate in waiting:
        with transaction.atomic():
            claimed = Certificate.objects.filter(
                pk=certificate.pk, notified_at__isnull=True
            ).update(notified_at=timezone.now())
            if not claimed:
                continue
            _send_ready(certificate)
            sent += 1
    # Visitors without an account are not emailed (they cannot download); mark them as done.
    Certificate.objects.filter(notified_at__isnull=True).filter(
        Q(registration__isnull=True) | Q(registration__user__isnull=True)
    ).update(notified_at=timezone.now())
    return sent


def _send_ready(certificate: Certificate) -> None:
    assert certificate.registration is not None and certificate.registration.user is not None
    user = certificate.registration.user
    meeting = certificate.meeting
    emails.send(
        template="meetings/certificate_ready",
        to=user,
        context={
            "meeting": meeting,
            "certificate": certificate,
            "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
            "download_url": settings.SITE_URL
            + reverse("meetings:certificate_download", args=[meeting.slug]),
        },
    )


# --- A holder leaves ------------------------------------------------------------------------------
def certificates_depart(*, closing: Closing) -> None:
    """Closing an account revokes the person's certificates and forgets the name in them: the
    platform keeps no name of a former member, so it can no longer vouch for one. The code and
    the activity stay, and the verification page says why it is no longer valid. Runs before
    meetings' own closer, while the registrations still name the account."""
    theirs = Certificate.objects.filter(
        Q(registration__user=closing.user) | Q(registration__email__in=closing.addresses())
    )
    now = timezone.now()
    theirs.filter(revoked_at__isnull=True).update(revoked_at=now)
    theirs.update(name="", revoked_reason=Certificate.Revoked.CLOSED)
