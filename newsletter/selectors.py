"""Reads of the bulletin."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count, Exists, Max, Min, OuterRef, Q, QuerySet
from django.utils import timezone, translation

from iapt_platform.accounts import personal_data
from iapt_platform.lib.cache import CacheVersion

from .consent import consent_text
from .models import Contribution, Delivery, Edition, Issue, Subscriber

# The bulletin's archive (sent issues and their editions).
BULLETIN_VERSION = CacheVersion("bulletin:version")
bulletin_changed = BULLETIN_VERSION.bump
bulletin_version = BULLETIN_VERSION.get


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


# --- Who receives an issue, and how its send is going ----------------------------------------
def issue_languages(*, issue: Issue) -> list[str]:
    languages = list(issue.editions.values_list("language", flat=True))
    if issue.segment_languages:
        languages = [code for code in languages if code in issue.segment_languages]
    return languages


def issue_recipients(*, issue: Issue) -> QuerySet[Subscriber]:
    """Confirmed subscribers in the issue's segment.

    Languages: those of the editions (narrowed by the segment). Countries: any, or those chosen.
    Topics: a subscriber who chose topics receives an issue about one of them; one who chose none
    receives every issue.
    """
    queryset = Subscriber.objects.confirmed().filter(language__in=issue_languages(issue=issue))
    if issue.segment_countries:
        queryset = queryset.filter(country__in=issue.segment_countries)
    topic_ids = list(issue.segment_topics.values_list("pk", flat=True))
    if topic_ids:
        through = Subscriber.topics.through
        chose_one = Exists(
            through.objects.filter(subscriber_id=OuterRef("pk"), topic_id__in=topic_ids)
        )
        chose_any = Exists(through.objects.filter(subscriber_id=OuterRef("pk")))
        queryset = queryset.filter(Q(chose_one) | ~Q(chose_any))
    return queryset


@dataclass
class Progress:
    total: int
    sent: int
    failed: int
    skipped: int
    remaining: int
    per_second: float
    # "minute" while sending (the last minute's pace), "send" once done (the whole send's).
    rate_over: str = "minute"

    @property
    def percent(self) -> int:
        done = self.sent + self.failed + self.skipped
        return round(100 * done / self.total) if self.total else 0


RATE_WINDOW = timedelta(seconds=60)


def issue_progress(*, issue: Issue) -> Progress:
    counts = dict(
        Delivery.objects.filter(issue=issue)
        .values_list("status")
        .annotate(n=Count("pk"))
        .values_list("status", "n")
    )
    now = timezone.now()
    sending = issue.status == Issue.Status.SENDING
    sent = Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT)
    if sending:
        sent = sent.filter(sent_at__gte=now - RATE_WINDOW)
    window = sent.aggregate(n=Count("pk"), first=Min("sent_at"), last=Max("sent_at"))
    return Progress(
        total=sum(counts.values()),
        sent=counts.get(Delivery.Status.SENT, 0),
        failed=counts.get(Delivery.Status.FAILED, 0),
        skipped=counts.get(Delivery.Status.SKIPPED, 0),
        remaining=counts.get(Delivery.Status.PENDING, 0) + counts.get(Delivery.Status.SENDING, 0),
        per_second=_rate(window, until=now if sending else None),
        rate_over="minute" if sending else "send",
    )


def _rate(window: dict[str, Any], *, until: Any) -> float:
    """Messages a second over the time they took: from the first to the last message (or to now,
    while the send runs, so that a stalled send shows its pace falling). Never less than a
    second: seven messages sent within one second are seven a second."""
    if not window["n"]:
        return 0.0
    seconds = ((until or window["last"]) - window["first"]).total_seconds()
    return round(window["n"] / max(seconds, 1.0), 1)


# --- Download my data -----------------------------------------------------------------------------


def personal_data_of(user: Any) -> personal_data.Portion:
    """The bulletin subscriptions of the person's account and of their verified addresses, each
    with the consent they gave (its version and its exact text), and the items they proposed."""
    subscribers = (
        Subscriber.objects.filter(Q(user=user) | Q(email__in=personal_data.verified_emails(user)))
        .prefetch_related("topics")
        .order_by("pk")
    )
    return personal_data.Portion(
        data={
            "subscriptions": [
                {
                    **personal_data.record(subscriber),
                    "topics": [topic.slug for topic in subscriber.topics.all()],
                    # The exact words they agreed to, in the language they subscribed in.
                    "consent_text": _consent_words(subscriber),
                }
                for subscriber in subscribers
            ],
            "contributions": [
                personal_data.record(contribution)
                for contribution in Contribution.objects.filter(submitted_by=user).order_by("pk")
            ],
        }
    )


def _consent_words(subscriber: Subscriber) -> str:
    if not subscriber.consent_text_version:
        return ""
    with translation.override(subscriber.language):
        return consent_text(subscriber.consent_text_version)
