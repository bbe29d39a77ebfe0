"""The dashboard's figures: every metric computed over a window, small cells suppressed.

No figure may reveal one person. A cell of a PEOPLE metric counting one to four people, and a
SHARE whose people on either side (women, or those who stated another gender) number one to four,
or who are fewer than five in all, is shown as "fewer than 5", on the page, in its chart and in
the CSV and XLSX downloads (a hidden `Cell` has no value, and its text and export say so).

What is protected, within one page (one period, one country):
- subtraction within a row: the months add up to the period's total (exactly for people counted
  once, as those who joined; at most for people counted in each month they were active). While
  the hidden months together hold one to four people, the next smallest month is hidden too, and
  when none is left, the total. The hidden cells then hold zero or at least five people;
- subtraction between rows: first-timers are some of the participants (`Metric.part_of`), so the
  difference, those who came back, is protected the same way; a figure derived from another's
  people (countries of participants, meetings held with people of the chosen country) is hidden
  wherever that metric is (`Metric.suppress_with`);
- the change against the period before is "—" where either figure is hidden; bars are scaled
  to the largest figure shown.

What is not protected (the page is for moderators only):
differencing across pages: the figure for all countries less those of every other country's page
gives a small country's hidden figure, two custom periods a day apart give that day's, and the
"period before" column is checked on its own (a first-timers' total withheld on its period's page
for the months' sake can show on the next period's page).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from . import registry
from .registry import COUNT, SHARE, Figure, Metric, Share, Window

THRESHOLD = 5
FEWER = _("fewer than 5")


@dataclass(frozen=True)
class Cell:
    figure: Figure
    hidden: bool = False

    @property
    def value(self) -> int | None:
        """The number shown (a percentage for a share), None when hidden or undefined."""
        if self.hidden:
            return None
        if isinstance(self.figure, Share):
            return self.figure.percent
        return self.figure

    @property
    def text(self) -> str:
        """What the page, the CSV and the XLSX show."""
        if self.hidden:
            return str(FEWER)
        if isinstance(self.figure, Share):
            return "—" if self.figure.percent is None else f"{self.figure.percent}%"
        return str(self.figure)

    @property
    def export(self) -> int | str:
        """The cell as a spreadsheet holds it: a number where there is one."""
        value = self.value
        return self.text if value is None else value


@dataclass(frozen=True)
class Row:
    metric: Metric
    months: list[Cell]
    total: Cell
    previous: Cell

    @property
    def change(self) -> str:
        """The change against the period before: a percentage, or points for a share."""
        now, before = self.total.value, self.previous.value
        if now is None or before is None:
            return "—"
        # Arrows, not signs: a spreadsheet reads a cell starting with + or - as a formula, and the
        # downloads must say what the page says.
        if self.metric.kind == SHARE:
            return _arrow(now - before) + " " + str(_("pts"))
        if before == 0:
            return "—" if now == 0 else str(_("new"))
        return _arrow(round(100 * (now - before) / before)) + "%"


def _arrow(change: int) -> str:
    return f"↑ {change}" if change > 0 else f"↓ {-change}" if change < 0 else "0"


def _people(figure: Figure) -> tuple[int, ...]:
    if isinstance(figure, Share):
        return (figure.part, figure.whole - figure.part)
    return (figure,)


def is_small(figure: Figure, kind: str) -> bool:
    """Does this cell risk revealing a person?"""
    if kind == COUNT:
        return False
    sides = _people(figure)
    if kind == SHARE and isinstance(figure, Share) and 0 < figure.whole < THRESHOLD:
        return True
    return any(0 < n < THRESHOLD for n in sides)


def _combined(figures: list[Figure]) -> Figure:
    if figures and isinstance(figures[0], Share):
        shares = [f for f in figures if isinstance(f, Share)]
        return Share(sum(s.part for s in shares), sum(s.whole for s in shares), None)
    return sum(f for f in figures if isinstance(f, int))


def _minus(whole: Figure, part: Figure) -> int:
    """The people of `whole` not in `part` (never below zero: a person's country may differ
    between their registrations)."""
    return max(int(whole) - int(part), 0) if isinstance(whole, int) and isinstance(part, int) else 0


def suppress(
    kind: str,
    months: list[Figure],
    total: Figure,
    *,
    others: Sequence[tuple[list[Figure], Figure]] = (),
    hidden: list[bool] | None = None,
    total_hidden: bool = False,
) -> tuple[list[bool], bool]:
    """Which month cells and whether the total are hidden (primary, then complementary).

    `others` are further series of people the row gives away (the participants who came back,
    given first-timers beside participants) and `hidden`, `total_hidden` cells already hidden
    (those of the metric it follows): the hidden cells hold zero or at least five people in
    every series."""
    series = [(months, total), *others]
    hidden = list(hidden) if hidden else [False] * len(months)
    for figures, series_total in series:
        hidden = [h or is_small(f, kind) for h, f in zip(hidden, figures, strict=True)]
        total_hidden = total_hidden or is_small(series_total, kind)
    if kind == COUNT or total_hidden:
        return hidden, total_hidden
    changed = True
    while changed:
        changed = False
        for figures, _total in series:
            while any(hidden) and is_small(
                _combined([f for f, h in zip(figures, hidden, strict=True) if h]), kind
            ):
                sizes = [(sum(_people(f)), i) for i, f in enumerate(figures) if not hidden[i]]
                shown = [(n, i) for n, i in sizes if n]
                if not shown:
                    return hidden, True
                hidden[min(shown)[1]] = True
                changed = True
    return hidden, total_hidden


def compute(window: Window, metrics: list[Metric] | None = None) -> list[Row]:
    """One row per metric, in the registry's order (one query per metric)."""
    metrics = registry.metrics() if metrics is None else metrics
    count = len(window.months)
    raw = {metric.key: list(metric.compute(window)) for metric in metrics}
    rows: dict[str, Row] = {}
    # The metrics that follow another after it (a metric followed follows none).
    for metric in sorted(metrics, key=lambda m: bool(m.suppress_with or m.part_of)):
        figures = raw[metric.key]
        months, total, previous = figures[:count], figures[count], figures[count + 1]
        rest = (
            [_minus(w, p) for w, p in zip(raw[metric.part_of], figures, strict=True)]
            if metric.part_of in raw
            else None
        )
        leader = rows.get(metric.suppress_with)
        hidden, total_hidden = suppress(
            metric.kind,
            months,
            total,
            others=[(list(rest[:count]), rest[count])] if rest else [],
            hidden=[c.hidden for c in leader.months] if leader else None,
            total_hidden=leader.total.hidden if leader else False,
        )
        previous_hidden = (
            is_small(previous, metric.kind)
            or bool(rest and is_small(rest[count + 1], metric.kind))
            or bool(leader and leader.previous.hidden)
        )
        rows[metric.key] = Row(
            metric=metric,
            months=[Cell(f, h) for f, h in zip(months, hidden, strict=True)],
            total=Cell(total, total_hidden),
            previous=Cell(previous, previous_hidden),
        )
    return [rows[metric.key] for metric in metrics]
