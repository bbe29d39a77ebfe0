"""A sent issue's results for staff, the subscribers over time, and the counted links' redirect."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib.charts import bar_chart, chart_section
from iapt_platform.lib.http import AuthenticatedRequest
from iapt_platform.lib.languages import language_neutral
from iapt_platform.lib.tabular import csv_chunks

from .. import links, results
from ..models import Issue, MailEvent

LANGUAGE_CODES = [code for code, _name in settings.LANGUAGES]
MONTH_CHOICES = (6, 12, 24)


# No template, no session, one statement: a bulletin sends thousands of people here at once; the
# same in every language, so a reader's language never costs a redirect before the count.
@language_neutral
@require_safe
def follow(request: HttpRequest, token: str) -> HttpResponse:
    """A counted link of a bulletin: count the click (GET, good signature) and go on. A stale
    signature still leads to the link's own address, uncounted; anything else leads nowhere."""
    try:
        edition_id, link_id, signed = links.read_token(token)
    except ValueError:
        return _not_valid(request)
    url = links.click(edition_id, link_id, count=signed and request.method == "GET")
    if url is None:
        return _not_valid(request)
    response = HttpResponseRedirect(url)
    response["Cache-Control"] = "no-store"  # every click reaches the counter
    response["Referrer-Policy"] = "no-referrer"
    return response


def _not_valid(request: HttpRequest) -> HttpResponse:
    return render(request, "newsletter/link_invalid.html", status=404)


@moderator_required
def issue_results(request: AuthenticatedRequest, pk: int) -> HttpResponse:
    issue = get_object_or_404(Issue, pk=pk)
    figures = results.issue_results(issue=issue)
    sections = [
        chart_section(
            [(link.url, link.clicks) for link in edition.links],
            title=_("Clicks per link, %(language)s edition") % {"language": edition.name},
            description=_("How many times each link of the edition was followed."),
            key=f"clicks-{edition.language or 'unknown'}",
            category=_("Link"),
            value_label=_("Clicks"),
            links=[link.url for link in edition.links],
        )
        for edition in figures.editions
        if edition.links
    ]
    events = Paginator(results.issue_mail_events(issue=issue), 50).get_page(request.GET.get("page"))
    kinds = dict(MailEvent.Kind.choices)
    return render(
        request,
        "newsletter/staff/results.html",
        {
            "issue": issue,
            "results": figures,
            "sections": sections,
            "reasons": [(kinds.get(k, k), reason, n) for k, reason, n in figures.reasons],
            "page": events,
        },
    )


CSV_HEADER = ["edition", "figure", "link", "count"]


@moderator_required
def issue_results_csv(request: AuthenticatedRequest, pk: int) -> StreamingHttpResponse:
    issue = get_object_or_404(Issue, pk=pk)
    rows = results.issue_results_rows(results.issue_results(issue=issue))
    response = StreamingHttpResponse(
        csv_chunks(CSV_HEADER, rows), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="bulletin-{issue.number}-results.csv"'
    return response


@moderator_required
def subscribers_over_time(request: AuthenticatedRequest) -> HttpResponse:
    try:
        months = int(request.GET.get("months", 12))
    except ValueError:
        months = 12
    months = months if months in MONTH_CHOICES else 12
    language = request.GET.get("language", "")
    language = language if language in LANGUAGE_CODES else ""
    rows = results.subscribers_by_month(months=months, language=language)
    by_language = results.subscribers_by_language(months=months)
    total_chart = bar_chart(
        [(_month_label(row.start), row.total) for row in rows],
        title=_("Subscribers at the end of each month"),
        description=_("Confirmed and paused subscribers at the end of each month."),
        chart_id="subscribers-total",
    )
    language_chart = bar_chart(
        [(figures.name, figures.total) for figures in by_language],
        title=_("Subscribers by language"),
        description=_("Subscribers now, by the language they read the bulletin in."),
        chart_id="subscribers-language",
    )
    return render(
        request,
        "newsletter/staff/growth.html",
        {
            "rows": rows,
            "chart": total_chart,
            "language_chart": language_chart,
            "by_language": by_language,
            "months": months,
            "month_choices": MONTH_CHOICES,
            "language": language,
            "languages": settings.LANGUAGES,
        },
    )


def _month_label(moment: datetime) -> str:
    return date_format(moment, "YEAR_MONTH_FORMAT")
