"""The period a moderator looks at: a preset (last month, quarter or year) or their own dates,
in the reader's time zone, cut into months and paired with the period of the same length before.

"Last month", "last quarter" and "last year" are the last complete calendar month, quarter and
year, the units of CEPAL's reports. A custom period runs from the first day to the last day
given, both included; its first and last months may be partial.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from iapt_platform.lib.regions import RegionCountries

from .registry import Bucket, Window

LAST_MONTH = "last_month"
LAST_QUARTER = "last_quarter"
LAST_YEAR = "last_year"
CUSTOM = "custom"
# A custom period longer than this is cut: its months are the chart's bars.
MAX_MONTHS = 36


@dataclass(frozen=True)
class Period:
    first: date  # first day, included
    last: date  # last day, included

    def months(self) -> list[tuple[date, date]]:
        """(first day, day after the last) of each month the period touches, clipped to it."""
        result = []
        start = self.first
        while start <= self.last:
            following = _month_after(start)
            end = min(following, self.last + timedelta(days=1))
            result.append((start, end))
            start = following
        return result

    def before(self) -> Period:
        """The period of the same length that ends the day before this one starts (whole
        months for whole months: the quarter before a quarter)."""
        months = len(self.months())
        if self.first.day == 1 and _month_after(self.last) == self.last + timedelta(days=1):
            first = self.first
            for _i in range(months):
                first = _month_before(first)
            return Period(first, self.first - timedelta(days=1))
        length = self.last - self.first
        last = self.first - timedelta(days=1)
        return Period(last - length, last)


def _month_after(day: date) -> date:
    return date(day.year + day.month // 12, day.month % 12 + 1, 1)


def _month_before(day: date) -> date:
    return date(day.year - (day.month == 1), (day.month - 2) % 12 + 1, 1)


def preset(name: str, today: date) -> Period:
    this_month = today.replace(day=1)
    if name == LAST_MONTH:
        first = _month_before(this_month)
        return Period(first, this_month - timedelta(days=1))
    if name == LAST_YEAR:
        return Period(date(today.year - 1, 1, 1), date(today.year - 1, 12, 31))
    quarter_start = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    first = quarter_start
    for _i in range(3):
        first = _month_before(first)
    return Period(first, quarter_start - timedelta(days=1))


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time.min, tzinfo=zone)


def window(period: Period, *, zone: tzinfo, country: str = "") -> Window:
    """The buckets of a period in the reader's zone, with the period before."""
    previous = period.before()

    def bucket(first: date, end: date) -> Bucket:
        return Bucket(_midnight(first, zone), _midnight(end, zone))

    return Window(
        months=tuple(bucket(first, end) for first, end in period.months()),
        period=bucket(period.first, period.last + timedelta(days=1)),
        previous=bucket(previous.first, previous.last + timedelta(days=1)),
        country=country,
        zone=zone,
    )


class PeriodForm(forms.Form):
    """The dashboard's filters, read from the query string (a GET form: pages can be linked)."""

    period = forms.ChoiceField(
        label=_("Period"),
        choices=[
            (LAST_MONTH, _("Last month")),
            (LAST_QUARTER, _("Last quarter")),
            (LAST_YEAR, _("Last year")),
            (CUSTOM, _("Custom dates")),
        ],
        required=False,
    )
    start = forms.DateField(
        label=pgettext_lazy("date range", "From"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    end = forms.DateField(
        label=pgettext_lazy("date range", "To"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    country = forms.ChoiceField(label=_("Country"), required=False)

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        choices = sorted(((c.code, c.name) for c in RegionCountries()), key=lambda c: c[1])
        country = self.fields["country"]
        assert isinstance(country, forms.ChoiceField)
        country.choices = [("", _("All countries")), *choices]

    def clean(self) -> dict:
        data = super().clean() or {}
        if data.get("period") == CUSTOM:
            start, end = data.get("start"), data.get("end")
            if not start or not end:
                raise forms.ValidationError(_("Give both dates of a custom period."))
            if end < start:
                raise forms.ValidationError(_("The period must end after it starts."))
            if len(Period(start, end).months()) > MAX_MONTHS:
                raise forms.ValidationError(
                    _("Choose a period of at most %(months)s months.") % {"months": MAX_MONTHS}
                )
        return data

    def chosen(self) -> tuple[Period, str, str]:
        """(period, preset name, country), last quarter for anything invalid."""
        today = timezone.localdate()
        if not self.is_bound or not self.is_valid():
            return preset(LAST_QUARTER, today), LAST_QUARTER, ""
        name = self.cleaned_data.get("period") or LAST_QUARTER
        country = self.cleaned_data.get("country") or ""
        if name == CUSTOM:
            return Period(self.cleaned_data["start"], self.cleaned_data["end"]), name, country
        return preset(name, today), name, country
