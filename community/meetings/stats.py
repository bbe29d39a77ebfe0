"""Participation statistics, computed from attendance (not from registrations).

A person is known by their email across meetings; a first-time participant is someone with no
attendance at an earlier meeting. The share of women is over those who stated a gender, and the
number who did is always shown next to it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_countries import countries

from iapt_platform.lib.charts import ChartSection, chart_section

from .models import Meeting, Registration

FIELDS = ("meeting_id", "email", "gender_category", "country", "organisation")


@dataclass(frozen=True)
class Participation:
    participants: int = 0
    women: int = 0
    men: int = 0
    other: int = 0
    countries: int = 0
    organisations: int = 0
    first_time: int = 0
    by_country: list[tuple[str, int]] = field(default_factory=list)  # (code, people), most first
    by_organisation: list[tuple[str, int]] = field(default_factory=list)

    @property
    def stated(self) -> int:
        return self.women + self.men + self.other

    @property
    def not_stated(self) -> int:
        return self.participants - self.stated

    @property
    def women_percent(self) -> int | None:
        """Rounded half up (16 of 36 is 44%); None when nobody stated a gender."""
        if not self.stated:
            return None
        return (200 * self.women + self.stated) // (2 * self.stated)


def _organisation_key(name: str) -> str:
    return " ".join(name.casefold().split())


def participation(rows: Iterable[dict], *, first_time: int) -> Participation:
    """The figures for a set of attendance rows (dicts with FIELDS)."""
    rows = list(rows)
    genders = Counter(row["gender_category"] for row in rows)
    countries = Counter(str(row["country"]) for row in rows if row["country"])
    organisations: Counter[str] = Counter()
    names: dict[str, str] = {}
    for row in rows:
        key = _organisation_key(row["organisation"])
        if key:
            organisations[key] += 1
            names.setdefault(key, row["organisation"].strip())
    return Participation(
        participants=len(rows),
        women=genders[Registration.Gender.WOMAN],
        men=genders[Registration.Gender.MAN],
        other=genders[Registration.Gender.OTHER],
        countries=len(countries),
        organisations=len(organisations),
        first_time=first_time,
        by_country=sorted(countries.items(), key=lambda item: (-item[1], item[0])),
        by_organisation=sorted(
            ((names[key], count) for key, count in organisations.items()),
            key=lambda item: (-item[1], item[0].casefold()),
        ),
    )


def meeting_participation(meeting: Meeting) -> Participation:
    """Two queries: the attendance rows and the count of first-timers."""
    attended = meeting.registrations.attended()
    earlier = Registration.objects.filter(
        attended=True, email=OuterRef("email"), meeting__starts_at__lt=meeting.starts_at
    )
    first_time = attended.exclude(Exists(earlier)).count() if meeting.pk else 0
    return participation(attended.values(*FIELDS), first_time=first_time)


def participation_over_time() -> list[tuple[Meeting, Participation]]:
    """Every meeting with attendance, oldest first, with its figures (two queries in all)."""
    meetings = list(
        Meeting.objects.filter(
            Exists(Registration.objects.filter(meeting=OuterRef("pk"), attended=True))
        ).order_by("starts_at", "pk")
    )
    rows_by_meeting: dict[int, list[dict]] = {m.pk: [] for m in meetings}
    for row in Registration.objects.filter(attended=True, meeting__in=meetings).values(*FIELDS):
        rows_by_meeting[row["meeting_id"]].append(row)
    seen: set[str] = set()
    result = []
    for meeting in meetings:
        rows = rows_by_meeting[meeting.pk]
        emails = {row["email"] for row in rows}
        result.append((meeting, participation(rows, first_time=len(emails - seen))))
        seen |= emails
    return result


def summary_line(figures: Participation) -> str:
    """ "41 participants, 44% women, from 10 countries" in the current language."""
    parts = [
        ngettext("%(count)s participant", "%(count)s participants", figures.participants)
        % {"count": figures.participants}
    ]
    if figures.women_percent is not None:
        parts.append(_("%(percent)s%% women") % {"percent": figures.women_percent})
    if figures.countries:
        parts.append(
            ngettext("from %(count)s country", "from %(count)s countries", figures.countries)
            % {"count": figures.countries}
        )
    return ", ".join(parts)


def meeting_chart_sections(figures: Participation) -> list[ChartSection]:
    """The charts of one meeting's statistics page, each with its table."""
    genders = [
        (_("Women"), figures.women),
        (_("Men"), figures.men),
        (_("Other self-description"), figures.other),
        (_("Not stated"), figures.not_stated),
    ]
    return [
        chart_section(
            rows,
            title=title,
            description=description,
            key=key,
            category=category,
            value_label=_("People"),
        )
        for key, rows, title, description, category in (
            (
                "gender",
                genders,
                _("Participants by gender"),
                _("Self-described gender of the people who attended."),
                _("Gender"),
            ),
            (
                "countries",
                [(countries.name(code) or code, n) for code, n in figures.by_country],
                _("Participants by country"),
                _("Country of the people who attended."),
                _("Country"),
            ),
            (
                "organisations",
                figures.by_organisation[:15],
                _("Organisations with most participants"),
                _("The fifteen organisations with most people attending."),
                _("Organisation"),
            ),
        )
    ]


def history_chart_sections(history: list[tuple[Meeting, Participation]]) -> list[ChartSection]:
    """The charts of the statistics over all meetings (a bar per meeting), each with its table."""
    labels = [
        f"{timezone.localtime(meeting.starts_at):%Y-%m-%d} · {meeting.title}"
        for meeting, _f in history
    ]
    figures = [f for _m, f in history]
    return [
        chart_section(
            list(zip(labels, values, strict=True)),
            title=title,
            description=description,
            key=key,
            category=_("Meeting"),
            value_label=value_label,
        )
        for key, values, title, description, value_label in (
            (
                "participants",
                [f.participants for f in figures],
                _("Participants per meeting"),
                _("People who attended each meeting, oldest first."),
                _("Participants"),
            ),
            (
                "women",
                [f.women_percent or 0 for f in figures],
                _("Share of women per meeting (%)"),
                _("Percentage of women among participants who stated a gender."),
                _("% women"),
            ),
            (
                "first-time",
                [f.first_time for f in figures],
                _("First-time participants per meeting"),
                _("People attending a meeting for the first time."),
                _("First-time participants"),
            ),
        )
    ]
