"""Reads of the bulletin."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q, QuerySet

from .models import Contribution, Edition, Issue, Subscriber


def archive_editions(*, language: str) -> QuerySet[Edition]:
    """Sent issues that have an edition in `language`, newest first (one query)."""
    return (
        Edition.objects.filter(issue__status=Issue.Status.SENT, language=language)
        .select_related("issue")
        .order_by("-issue__number")
    )


def archived_edition(*, number: int, language: str) -> Edition | None:
    return (
        Edition.objects.filter(
            issue__number=number, issue__status=Issue.Status.SENT, language=language
        )
        .select_related("issue")
        .first()
    )


def staff_issues() -> QuerySet[Issue]:
    # Meta.ordering is not applied to a grouped query: the order is given here.
    return (
        Issue.objects.prefetch_related("editions")
        .annotate(sent_count=Count("deliveries", filter=Q(deliveries__status="sent")))
        .order_by("-number")
    )


def contributions_available() -> QuerySet[Contribution]:
    """Accepted contributions that no issue uses yet."""
    return Contribution.objects.filter(
        status=Contribution.Status.ACCEPTED, used_in=None
    ).select_related("submitted_by", "initiative")


def contributions_of(*, user: Any) -> QuerySet[Contribution]:
    return Contribution.objects.filter(submitted_by=user).select_related("used_in")


def subscriber_counts() -> dict[str, int]:
    counts = dict(
        Subscriber.objects.values_list("status").annotate(n=Count("pk")).values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in Subscriber.Status.values}


def subscribers_for_staff(*, query: str = "", status: str = "") -> QuerySet[Subscriber]:
    queryset = Subscriber.objects.order_by("-created_at").prefetch_related("topics")
    if query:
        queryset = queryset.filter(Q(email__icontains=query) | Q(name__icontains=query))
    if status in Subscriber.Status.values:
        queryset = queryset.filter(status=status)
    return queryset
