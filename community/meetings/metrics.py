"""Meetings' figures for the community dashboard, from attendance (as `stats.py`): meetings held,
participants, the share of women among those who stated a gender (rounded by `stats.py`), the
countries participants came from, and first-time participants. A person is known by their email;
the country filter is the participant's country as they gave it when registering."""

from django.db.models import Count, Exists, OuterRef, Q

from iapt_platform.dashboard.registry import Share, Window, count_by_bucket

from .models import Meeting, Registration
from .stats import Participation

DATE = "meeting__starts_at"


def _attended():
    return Registration.objects.filter(attended=True).exclude(
        meeting__status=Meeting.Status.CANCELLED
    )


def held(window: Window) -> list[int]:
    attendance = _attended().filter(meeting=OuterRef("pk"))
    if window.country:
        attendance = attendance.filter(country=window.country)
    meetings = Meeting.objects.filter(Exists(attendance)).exclude(status=Meeting.Status.CANCELLED)
    return count_by_bucket(meetings, window, date="starts_at")


def participants(window: Window) -> list[int]:
    return count_by_bucket(_attended(), window, date=DATE, country="country", distinct="email")


def women(window: Window) -> list[Share]:
    """One query: women, men and other self-descriptions per bucket, each person once."""
    rows = _attended().filter(**{f"{DATE}__gte": window.start, f"{DATE}__lt": window.end})
    if window.country:
        rows = rows.filter(country=window.country)
    aggregates = {}
    for i, b in enumerate(window.buckets):
        for category in (
            Registration.Gender.WOMAN,
            Registration.Gender.MAN,
            Registration.Gender.OTHER,
        ):
            aggregates[f"b{i}_{category}"] = Count(
                "email",
                distinct=True,
                filter=Q(
                    **{f"{DATE}__gte": b.start, f"{DATE}__lt": b.end, "gender_category": category}
                ),
            )
    result = rows.aggregate(**aggregates)
    shares = []
    for i in range(len(window.buckets)):
        figures = Participation(
            women=result[f"b{i}_woman"], men=result[f"b{i}_man"], other=result[f"b{i}_other"]
        )
        shares.append(Share(figures.women, figures.stated, figures.women_percent))
    return shares


def countries(window: Window) -> list[int]:
    return count_by_bucket(
        _attended().exclude(country=""), window, date=DATE, country="country", distinct="country"
    )


def first_time(window: Window) -> list[int]:
    """People whose first attendance ever falls in the bucket."""
    earlier = Registration.objects.filter(
        attended=True,
        email=OuterRef("email"),
        meeting__starts_at__lt=OuterRef("meeting__starts_at"),
    ).exclude(meeting__status=Meeting.Status.CANCELLED)
    first = _attended().exclude(Exists(earlier))
    return count_by_bucket(first, window, date=DATE, country="country", distinct="email")
