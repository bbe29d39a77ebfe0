"""Reads about meetings, returning querysets."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, F, Prefetch, Q, QuerySet
from django.utils import timezone

from iapt_platform.accounts import personal_data, roles
from iapt_platform.lib.cache import CacheVersion, timed
from initiatives.selectors import initiative_list_public
from library.models import Resource

from .models import Meeting, MeetingQuerySet, Registration

# Meetings and their registrations (seats left, participation): one version for every page that
# shows them; a meeting that starts or closes its registration changes with time alone, so the
# pages' version includes a minute.
MEETINGS_VERSION = CacheVersion("meetings:version")
meetings_changed = MEETINGS_VERSION.bump
meetings_version = timed(MEETINGS_VERSION.get, 60)

UPCOMING = "upcoming"
PAST = "past"


def meeting_calendar(*, when: str = UPCOMING, kind: str = "") -> QuerySet[Meeting]:
    """Published meetings, soonest first (upcoming) or latest first (past)."""
    now = timezone.now()
    meetings = Meeting.objects.published()
    if kind in Meeting.Kind.values:
        meetings = meetings.filter(kind=kind)
    if when == PAST:
        return meetings.past(now=now).order_by("-starts_at", "pk")
    return meetings.upcoming(now=now).order_by("starts_at", "pk")


def meeting_upcoming(*, limit: int) -> QuerySet[Meeting]:
    return meeting_calendar(when=UPCOMING).exclude(status=Meeting.Status.CANCELLED)[:limit]


def meeting_for_page(*, slug: str, user) -> Meeting | None:
    """A published meeting; moderators also see drafts (to check them before publishing)."""
    meetings: MeetingQuerySet = Meeting.objects.select_related("project")
    meetings = meetings.prefetch_related(
        Prefetch("initiatives", queryset=initiative_list_public().order_by("name")),
        Prefetch("resources", queryset=Resource.objects.published().order_by("title")),
        "materials",
    )
    if not roles.is_moderator(user):
        meetings = meetings.published()
    return meetings.filter(slug=slug).first()


def registration_of(*, meeting: Meeting, user) -> Registration | None:
    if not user.is_authenticated:
        return None
    return meeting.registrations.active().filter(user=user).first()


def seats_taken(*, meeting: Meeting) -> int:
    return meeting.registrations.registered().count()


def registrations_of_user(*, user) -> QuerySet[Registration]:
    """A member's live registrations, next meeting first."""
    return (
        Registration.objects.active()
        .filter(user=user, meeting__published_at__isnull=False)
        .select_related("meeting")
        .order_by("-meeting__starts_at")
    )


def meetings_for_feed(*, user) -> QuerySet[Meeting]:
    """What a member's calendar feed holds: meetings they hold a seat at (cancelled ones too, so
    that calendars remove them)."""
    return (
        Meeting.objects.published()
        .filter(
            registrations__user=user,
            registrations__status=Registration.Status.REGISTERED,
        )
        .distinct()
        .order_by("starts_at")
    )


def meeting_staff_list() -> QuerySet[Meeting]:
    return Meeting.objects.annotate(
        registered=Count("registrations", filter=Q(registrations__status="registered")),
        waitlisted=Count("registrations", filter=Q(registrations__status="waitlisted")),
        attended=Count("registrations", filter=Q(registrations__attended=True)),
    ).order_by("-starts_at")


def meeting_registrations(*, meeting: Meeting) -> QuerySet[Registration]:
    """Everyone on the list for staff: registered first, then the waitlist in order."""
    return (
        meeting.registrations.active()
        .select_related("user")
        .order_by(F("waitlist_position").asc(nulls_first=True), "created_at", "pk")
    )


def meetings_of_project(*, project) -> tuple[list[Meeting], list[Meeting]]:
    """A joint project's published meetings: (upcoming, soonest first; past, latest first). One
    query, however many there are."""
    now = timezone.now()
    meetings = list(Meeting.objects.published().filter(project=project).order_by("starts_at", "pk"))
    upcoming = [m for m in meetings if m.ends_at >= now]
    past = [m for m in meetings if m.ends_at < now]
    past.reverse()
    return upcoming, past


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The person's registrations (their account's, and those made with one of their verified
    addresses before they signed up), with attendance, and the meetings they organised."""
    registrations = (
        Registration.objects.filter(
            Q(user=user) | Q(user__isnull=True, email__in=personal_data.verified_emails(user))
        )
        .select_related("meeting")
        .order_by("created_at", "pk")
    )
    return personal_data.Portion(
        data={
            "registrations": [
                {
                    **personal_data.record(registration),
                    "meeting": {
                        "slug": registration.meeting.slug,
                        "title": registration.meeting.title,
                        "starts_at": registration.meeting.starts_at.isoformat(),
                        "status": registration.meeting.status,
                    },
                }
                for registration in registrations
            ],
            "meetings_organised": list(
                Meeting.objects.filter(created_by=user)
                .order_by("starts_at")
                .values("slug", "title", "starts_at", "status")
            ),
        }
    )
