"""The community dashboard: every registered metric over a period, by month, against the period
before, as charts with their tables, downloads (CSV, XLSX) and a printable one-page summary."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django_countries import countries

from iapt_platform.accounts.roles import moderator_required
from iapt_platform.lib import tabular
from iapt_platform.lib.charts import ChartSection, chart_section

from . import figures, registry
from .periods import Period, PeriodForm, window
from .registry import SHARE

SECTION_TITLES = {
    registry.REGISTRY: gettext_lazy("Registry of initiatives"),
    registry.MEMBERS: gettext_lazy("Members"),
    registry.FORUM: gettext_lazy("Forum"),
    registry.MEETINGS: gettext_lazy("Meetings"),
    registry.LIBRARY: gettext_lazy("Library"),
    registry.STORIES: gettext_lazy("Stories"),
    registry.COLLABORATION: gettext_lazy("Collaboration between initiatives"),
    registry.BULLETIN: gettext_lazy("Bulletin"),
}


@dataclass
class Report:
    form: PeriodForm
    period: Period
    preset: str
    country: str
    rows: list[figures.Row]
    month_labels: list[str]

    @property
    def country_name(self) -> str:
        return str(countries.name(self.country)) if self.country else ""

    @property
    def dates(self) -> str:
        return _span(self.period)

    @property
    def previous_dates(self) -> str:
        return _span(self.period.before())

    def row(self, key: str) -> figures.Row:
        for row in self.rows:
            if row.metric.key == key:
                return row
        raise Http404

    def file_name(self, key: str, fmt: str) -> str:
        country = f"-{self.country}" if self.country else ""
        return f"iapt-dashboard-{key}-{self.period.first}-{self.period.last}{country}.{fmt}"


def _span(period: Period) -> str:
    return f"{date_format(period.first, 'DATE_FORMAT')} \u2013 {date_format(period.last, 'DATE_FORMAT')}"


def _report(request: HttpRequest) -> Report:
    form = PeriodForm(request.GET or None)
    period, preset, country = form.chosen()
    rows = figures.compute(window(period, zone=timezone.get_current_timezone(), country=country))
    labels = [date_format(first, "YEAR_MONTH_FORMAT") for first, _end in period.months()]
    return Report(form, period, preset, country, rows, labels)


# --- The tables, once for the page and the downloads ------------------------------------------------


def summary_table(report: Report) -> tuple[list[str], list[list]]:
    header = [_("Figure"), _("This period"), _("Period before"), pgettext("variation", "Change")]
    return header, [
        [str(row.metric.label), row.total.export, row.previous.export, row.change]
        for row in report.rows
    ]


def metric_table(report: Report, row: figures.Row) -> tuple[list[str], list[list]]:
    header = [_("Month"), str(row.metric.label)]
    lines = [
        [label, cell.export] for label, cell in zip(report.month_labels, row.months, strict=True)
    ]
    lines += [[_("This period"), row.total.export], [_("Period before"), row.previous.export]]
    return header, lines


def _chart(report: Report, row: figures.Row) -> ChartSection:
    return chart_section(
        [
            (label, cell.value if cell.value is not None else cell.text)
            for label, cell in zip(report.month_labels, row.months, strict=True)
        ],
        title=str(row.metric.label),
        description=str(row.metric.description),
        key=row.metric.key,
        category=_("Month"),
        value_label=str(row.metric.unit or row.metric.label),
        totals=[(_("This period"), row.total.text), (_("Period before"), row.previous.text)],
    )


@moderator_required
def index(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    sections = []
    for section in registry.SECTIONS:
        charts = [
            (_chart(report, row), row) for row in report.rows if row.metric.section == section
        ]
        if charts:
            sections.append((SECTION_TITLES[section], charts))
    return render(
        request,
        "dashboard/index.html",
        {
            "report": report,
            "sections": sections,
            "query": request.GET.urlencode(),
            "share_kind": SHARE,
        },
    )


@moderator_required
def summary(request: HttpRequest) -> HttpResponse:
    report = _report(request)
    return render(
        request,
        "dashboard/summary.html",
        {"report": report, "query": request.GET.urlencode(), "generated": timezone.now()},
    )


@moderator_required
def download(request: HttpRequest, key: str, fmt: str) -> HttpResponse | StreamingHttpResponse:
    if fmt not in ("csv", "xlsx"):
        raise Http404
    report = _report(request)
    if key == "summary":
        header, lines = summary_table(report)
    else:
        header, lines = metric_table(report, report.row(key))
    response: HttpResponse | StreamingHttpResponse
    if fmt == "csv":
        response = StreamingHttpResponse(
            tabular.csv_chunks(header, lines), content_type="text/csv; charset=utf-8"
        )
    else:
        response = HttpResponse(
            tabular.xlsx_bytes(header, lines, title=key),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    response["Content-Disposition"] = f'attachment; filename="{report.file_name(key, fmt)}"'
    response["Cache-Control"] = "private, no-store"
    return response
