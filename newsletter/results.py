"""Reads of the bulletin's results: a sent issue's figures per edition, and the subscribers over
time. Counts only: clicks are aggregate per link, departures a counter per edition; the bounces
and complaints carry the subscriber (for moderators, who must act on them)."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.utils import timezone, translation

from .models import Delivery, Edition, EditionLink, Issue, MailEvent, Subscriber

LANGUAGE_NAMES = dict(settings.LANGUAGES)
BOUNCES = (MailEvent.Kind.BOUNCED, MailEvent.Kind.REJECTED)


@dataclass
class EditionResults:
    """One edition's figures (or, with language "", the whole issue's)."""

    language: str
    sent: int = 0
    bounced: int = 0
    complained: int = 0
    unsubscribed: int = 0
    links: list[EditionLink] = field(default_factory=list)

    @property
    def name(self) -> str:
        return language_name(self.language)

    @property
    def delivered(self) -> int:
        """Accepted by the receiving server and not reported back as a bounce."""
        return max(self.sent - self.bounced, 0)

    @property
    def clicks(self) -> int:
        return sum(link.clicks for link in self.links)


@dataclass
class IssueResults:
    editions: list[EditionResults]
    total: EditionResults
    # (kind, reason, count), most frequent first.
    reasons: list[tuple[str, str, int]]


def issue_results(*, issue: Issue) -> IssueResults:
    """Five queries, whatever the number of editions, links and events."""
    editions = {
        e.language: EditionResults(language=e.language, unsubscribed=e.unsubscribes)
        for e in Edition.objects.filter(issue=issue).only("language", "unsubscribes")
    }
    sent = (
        Delivery.objects.filter(issue=issue, status=Delivery.Status.SENT)
        .values_list("language")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for language, n in sent:
        # A send from before editions were recorded counts for the issue as a whole only.
        _row(editions, language).sent += n
    events = (
        MailEvent.objects.filter(issue=issue)
        .values_list("language", "kind")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for language, kind, n in events:
        row = _row(editions, language)
        if kind in BOUNCES:
            row.bounced += n
        elif kind == MailEvent.Kind.COMPLAINED:
            row.complained += n
    for link in EditionLink.objects.filter(edition__issue=issue).select_related("edition"):
        _row(editions, link.edition.language).links.append(link)
    for row in editions.values():
        row.links.sort(key=lambda link: (-link.clicks, link.position))
    rows = [editions[code] for code, _name in settings.LANGUAGES if code in editions]
    rows += [row for code, row in editions.items() if code not in LANGUAGE_NAMES]
    total = EditionResults(
        language="",
        sent=sum(r.sent for r in rows),
        bounced=sum(r.bounced for r in rows),
        complained=sum(r.complained for r in rows),
        unsubscribed=sum(r.unsubscribed for r in rows),
        links=[link for r in rows for link in r.links],
    )
    reasons = list(
        MailEvent.objects.filter(issue=issue)
        .values_list("kind", "reason")
        .annotate(n=Count("pk"))
        .order_by("-n", "kind", "reason")
    )
    return IssueResults(editions=rows, total=total, reasons=reasons)


def _row(editions: dict[str, EditionResults], language: str) -> EditionResults:
    if language not in editions:
        editions[language] = EditionResults(language=language)
    return editions[language]


def issue_mail_events(*, issue: Issue) -> QuerySet[MailEvent]:
    """The issue's bounces and complaints with their subscriber, newest first (moderators)."""
    return MailEvent.objects.filter(issue=issue).select_related("subscriber")


def issue_results_rows(results: IssueResults) -> list[list[object]]:
    """The rows of an issue's CSV: one per edition and figure, then one per link."""
    rows: list[list[object]] = []
    for edition in [*results.editions, results.total]:
        name = edition.language or "all"
        for figure in (
            "sent",
            "delivered",
            "bounced",
            "complained",
            "unsubscribed",
            "clicks",
        ):
            rows.append([name, figure, "", getattr(edition, figure)])
    for edition in results.editions:
        for link in edition.links:
            rows.append([edition.language, "link_clicks", link.url, link.clicks])
    return rows


def language_name(code: str) -> str:
    """A language named in the reader's language ("Spanish", "espanhol")."""
    try:
        return str(translation.get_language_info(code)["name_translated"])
    except KeyError:
        return str(LANGUAGE_NAMES.get(code, code))


# --- Subscribers over time --------------------------------------------------------------------
@dataclass
class Month:
    start: datetime
    gained: int
    lost: int
    total: int  # at the end of the month


@dataclass
class LanguageFigures:
    language: str
    gained: int
    lost: int
    total: int  # now

    @property
    def name(self) -> str:
        return language_name(self.language)


def _month_start(moment: datetime, back: int = 0) -> datetime:
    local = timezone.localtime(moment)
    index = local.year * 12 + local.month - 1 - back
    return local.replace(
        year=index // 12, month=index % 12 + 1, day=1, hour=0, minute=0, second=0, microsecond=0
    )


def subscribers_by_month(*, months: int = 12, language: str = "") -> list[Month]:
    """Gained (confirmed), lost (left or suppressed) and the total at each month's end, for the
    last `months` months in the reader's time zone, oldest first. Paused subscribers still count.
    Three queries."""
    start = _month_start(timezone.now(), months - 1)
    base = Subscriber.objects.filter(confirmed_at__isnull=False)
    if language:
        base = base.filter(language=language)
    gained = _by_month(base.filter(confirmed_at__gte=start), "confirmed_at")
    lost = _by_month(base.filter(unsubscribed_at__gte=start), "unsubscribed_at")
    total = (
        base.filter(confirmed_at__lt=start)
        .filter(Q(unsubscribed_at__isnull=True) | Q(unsubscribed_at__gte=start))
        .count()
    )
    result = []
    for back in range(months - 1, -1, -1):
        month = _month_start(timezone.now(), back)
        key = (month.year, month.month)
        total += gained.get(key, 0) - lost.get(key, 0)
        result.append(
            Month(start=month, gained=gained.get(key, 0), lost=lost.get(key, 0), total=total)
        )
    return result


def _by_month(queryset: QuerySet[Subscriber], field_name: str) -> dict[tuple[int, int], int]:
    rows = (
        queryset.annotate(month=TruncMonth(field_name))
        .values_list("month")
        .annotate(n=Count("pk"))
        .order_by()
    )
    counts: dict[tuple[int, int], int] = defaultdict(int)
    for month, n in rows:
        local = timezone.localtime(month) if timezone.is_aware(month) else month
        counts[(local.year, local.month)] += n
    return counts


def subscribers_by_language(*, months: int = 12) -> list[LanguageFigures]:
    """Per language: gained and lost over the same months, and subscribers now. Three queries."""
    start = _month_start(timezone.now(), months - 1)
    base = Subscriber.objects.filter(confirmed_at__isnull=False).order_by()
    gained = dict(
        base.filter(confirmed_at__gte=start).values_list("language").annotate(n=Count("pk"))
    )
    lost = dict(
        base.filter(unsubscribed_at__gte=start).values_list("language").annotate(n=Count("pk"))
    )
    now = dict(
        Subscriber.objects.filter(
            status__in=[Subscriber.Status.CONFIRMED, Subscriber.Status.PAUSED]
        )
        .order_by()
        .values_list("language")
        .annotate(n=Count("pk"))
    )
    return [
        LanguageFigures(
            language=code,
            gained=gained.get(code, 0),
            lost=lost.get(code, 0),
            total=now.get(code, 0),
        )
        for code, _name in settings.LANGUAGES
    ]
