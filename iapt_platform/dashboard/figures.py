"""The dashboard's figures: every metric computed over a window, small cells suppressed.

No figure may reveal one person. A cell of a PEOPLE metric counting one to four people, and a
SHARE whose people on either side (women, or those who stated another gender) number one to four,
or who are fewer than five in all, is shown as "fewer than 5", on the page and in every download.

Subtraction must not bring a hidden cell back: the months of a period add up to its total (they
do exactly for people counted once, as those who joined; at most for people counted in each month
they were active). So while the hidden months together hold one to four people, the next smallest
month is hidden too, and when no month is left, the period's total. The hidden cells together then
always hold zero or at least five people. A metric derived from another's people (the countries of
participants) is hidden wherever that metric is.
"""

from __future__ import annotations

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


def suppress(kind: str, months: list[Figure], total: Figure) -> tuple[list[bool], bool]:
    """Which month cells and whether the total are hidden (primary, then complementary)."""
    hidden = [is_small(f, kind) for f in months]
    total_hidden = is_small(total, kind)
    if kind == COUNT or total_hidden:
        return hidden, total_hidden
    while any(hidden) and is_small(
        _combined([f for f, h in zip(months, hidden, strict=True) if h]), kind
    ):
        sizes = [(sum(_people(f)), i) for i, f in enumerate(months) if not hidden[i]]
        shown = [(n, i) for n, i in sizes if n]
        if not shown:
            total_hidden = True
            break
        hidden[min(shown)[1]] = True
    return hidden, total_hidden


def compute(window: Window, metrics: list[Metric] | None = None) -> list[Row]:
    """One row per metric, in the registry's order (one query per metric)."""
    metrics = registry.metrics() if metrics is None else metrics
    rows: dict[str, Row] = {}
    count = len(window.months)
    for metric in metrics:
        figures = list(metric.compute(window))
        months, total, previous = figures[:count], figures[count], figures[count + 1]
        hidden, total_hidden = suppress(metric.kind, months, total)
        previous_hidden = is_small(previous, metric.kind)
        leader = rows.get(metric.suppress_with)
        if leader is not None:
            hidden = [a or b.hidden for a, b in zip(hidden, leader.months, strict=True)]
            total_hidden = total_hidden or leader.total.hidden
            previous_hidden = previous_hidden or leader.previous.hidden
        rows[metric.key] = Row(
            metric=metric,
            months=[Cell(f, h) for f, h in zip(months, hidden, strict=True)],
            total=Cell(total, total_hidden),
            previous=Cell(previous, previous_hidden),
        )
    return list(rows.values())
