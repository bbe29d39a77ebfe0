"""Notices to many people: announcements, reminders, updates and cancellations.

Each goes once per person and kind: a NoticeDelivery row is written before the email is queued,
and its unique keys make a second attempt (a retried task, two workers, a beat tick that overlaps
the previous one) skip that person.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from iapt_platform.accounts import roles
from iapt_platform.accounts.models import User
from iapt_platform.lib import emails

from . import hooks, ics
from .models import Meeting, NoticeDelivery, Registration
from .services import registration_notify

REMINDERS = (
    (NoticeDelivery.Kind.REMINDER_1H, timedelta(hours=1)),
    (NoticeDelivery.Kind.REMINDER_24H, timedelta(hours=24)),
)


def _claim(**keys) -> bool:
    """Record a notice as sent; False when it already was."""
    try:
        with transaction.atomic():
            NoticeDelivery.objects.create(**keys)
    except IntegrityError:
        return False
    return True


def notices_announce(*, meeting_id: int) -> int:
    """Tell every member about a newly published meeting; then the bulletin's hook, if asked."""
    meeting = Meeting.objects.published().filter(pk=meeting_id).first()
    if meeting is None or meeting.status != Meeting.Status.SCHEDULED:
        return 0
    already = NoticeDelivery.objects.filter(
        meeting=meeting, user=OuterRef("pk"), kind=NoticeDelivery.Kind.ANNOUNCEMENT
    )
    members = (
        User.objects.filter(is_active=True, groups__name=roles.MEMBER)
        .exclude(Exists(already))
        .distinct()
        .order_by("pk")
    )
    sent = 0
    for member in list(members):
        if _claim(meeting=meeting, user=member, kind=NoticeDelivery.Kind.ANNOUNCEMENT):
            emails.send(
                template="meetings/announcement",
                to=member,
                context={
                    "meeting": meeting,
                    "meeting_url": settings.SITE_URL + meeting.get_absolute_url(),
                },
            )
            sent += 1
    if meeting.notify_subscribers:
        hooks.announce_to_subscribers(meeting)
    return sent


def _pending(meeting: Meeting, *, kind: str, statuses: tuple[str, ...]):
    done = NoticeDelivery.objects.filter(
        registration=OuterRef("pk"), kind=kind, sequence=meeting.sequence
    )
    return (
        meeting.registrations.filter(status__in=statuses)
        .exclude(Exists(done))
        .select_related("user", "meeting")
        .order_by("pk")
    )


def _send(meeting: Meeting, registrations, *, kind: str, template: str, method: str | None) -> int:
    sent = 0
    for registration in registrations:
        if _claim(meeting=meeting, registration=registration, kind=kind, sequence=meeting.sequence):
            # Waitlisted people hear of a cancellation, but have no event to remove.
            is_registered = registration.status == Registration.Status.REGISTERED
            registration_notify(
                registration,
                template=template,
                method=method if is_registered else None,
                extra={"kind": kind},
            )
            sent += 1
    return sent


def notices_remind(*, now: datetime | None = None) -> int:
    """Send the reminders that are due (run by beat every few minutes).

    A meeting less than 24 hours away gets the 24-hour reminder; less than an hour away, the
    1-hour one (which replaces a 24-hour reminder not yet sent). Only registered people get them,
    and not someone who registered after the reminder's moment (they just got a confirmation).
    """
    now = now or timezone.now()
    meetings = Meeting.objects.published().filter(
        status=Meeting.Status.SCHEDULED,
        starts_at__gt=now,
        starts_at__lte=now + timedelta(hours=24),
    )
    sent = 0
    for meeting in meetings:
        for kind, before in REMINDERS:
            moment = meeting.starts_at - before
            if now >= moment:
                registrations = _pending(
                    meeting, kind=kind, statuses=(Registration.Status.REGISTERED,)
                ).filter(created_at__lt=moment)
                sent += _send(meeting, registrations, kind=kind, template="reminder", method=None)
                break
    return sent


def notices_update(*, meeting_id: int, sequence: int) -> int:
    """One update notice, with the new SEQUENCE in its invitation, to everyone registered."""
    meeting = Meeting.objects.filter(pk=meeting_id, sequence=sequence).first()
    if meeting is None or meeting.status != Meeting.Status.SCHEDULED:
        return 0  # a later edit raised the sequence again: its own notice tells the news
    registrations = _pending(
        meeting, kind=NoticeDelivery.Kind.UPDATE, statuses=(Registration.Status.REGISTERED,)
    )
    return _send(
        meeting,
        registrations,
        kind=NoticeDelivery.Kind.UPDATE,
        template="updated",
        method=ics.REQUEST,
    )


def notices_cancel(*, meeting_id: int, sequence: int) -> int:
    """METHOD:CANCEL to everyone registered; a plain notice to people on the waitlist."""
    meeting = Meeting.objects.filter(pk=meeting_id, status=Meeting.Status.CANCELLED).first()
    if meeting is None:
        return 0
    registrations = _pending(
        meeting,
        kind=NoticeDelivery.Kind.CANCELLATION,
        statuses=(Registration.Status.REGISTERED, Registration.Status.WAITLISTED),
    )
    return _send(
        meeting,
        registrations,
        kind=NoticeDelivery.Kind.CANCELLATION,
        template="cancelled",
        method=ics.CANCEL,
    )
