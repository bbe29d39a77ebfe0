"""Charts drawn on the server as inline SVG: no JavaScript, no chart library, any browser.

`bar_chart` only computes geometry; `templates/includes/chart_bar.html` draws it, so every label
goes through the template engine's escaping. `chart_section` pairs a chart with the table of its
numbers, which `templates/includes/chart_section.html` draws under a heading: every statistics
page (the registry's, the meetings') shows its figures that way. Bar lengths are percentages of the SVG's
width, which lets the chart follow the column width while its text keeps its real size (a
`viewBox` would shrink the labels on a phone).
"""

import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.utils.text import slugify

# Each row is its label, on as many lines as it needs, above its bar. SVG text does not wrap:
# long labels (Portuguese types, for example) are broken here, to fit a phone's width at 14px.
LABEL_CHARS = 40
LINE_HEIGHT = 18
LABEL_BASELINE = 16  # of the first line, from the top of the row
BAR_GAP = 6  # from the last label baseline to the bar
BAR_HEIGHT = 16
VALUE_BASELINE = 13  # from the top of the bar
ROW_GAP = 8
# The longest bar stops short of the right edge, leaving room for its number.
MAX_BAR_PERCENT = 86.0
# A non-zero count never draws an invisible bar.
MIN_BAR_PERCENT = 0.6
PADDING_BOTTOM = 6


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    percent: float  # bar length, as a percentage of the chart's width
    y: int  # top of the row
    lines: list[tuple[str, int]]  # the label's lines and their baselines
    bar_y: int
    value_y: int
    note: str = ""  # shown instead of the number where there is none ("fewer than 5")

    @property
    def width(self) -> str:
        # Formatted here, not in the template: localisation would write "43,5%" in Spanish.
        return f"{self.percent:.2f}%"


@dataclass(frozen=True)
class BarChart:
    id: str
    title: str
    description: str
    bars: list[Bar]
    height: int
    bar_height: int
    total: int

    @property
    def title_id(self) -> str:
        return f"{self.id}-title"

    @property
    def desc_id(self) -> str:
        return f"{self.id}-desc"

    @property
    def is_empty(self) -> bool:
        """Nothing to draw: no rows, or only zeros (a withheld figure is something to show)."""
        return self.total == 0 and not any(bar.note for bar in self.bars)


@dataclass(frozen=True)
class ChartSection:
    """A chart under its heading, followed by its numbers as a table."""

    key: str
    chart: BarChart
    category: str  # heading of the table's first column
    value_label: str  # heading of the numbers' column
    rows: list[tuple[str, int | str, str]]  # label, count (or a note), link ("" for none)
    # Rows under the table's body that are not bars (a period's total, the period before).
    totals: list[tuple[str, int | str]] = field(default_factory=list)


def chart_section(
    rows: Sequence[tuple[str, int | str]],
    *,
    title: str,
    description: str,
    key: str,
    category: str,
    value_label: str,
    links: list[str] | None = None,
    totals: Sequence[tuple[str, int | str]] | None = None,
) -> ChartSection:
    """The chart of `rows` (label, count) and its table; `links`, one per row, make the table's
    labels links (a row counting zero never links). A count given as text (a figure withheld)
    draws no bar and shows the text, in the chart and in the table."""
    links = links or ["" for _row in rows]
    return ChartSection(
        key=key,
        chart=bar_chart(rows, title=title, description=description, chart_id=key),
        category=category,
        value_label=value_label,
        rows=[
            (str(label), n, link if n and isinstance(n, int) else "")
            for (label, n), link in zip(rows, links, strict=True)
        ],
        totals=[(str(label), n) for label, n in totals or []],
    )


def bar_chart(
    rows: Sequence[tuple[str, int | str]], *, title: str, description: str, chart_id: str = ""
) -> BarChart:
    """A horizontal bar chart of `rows` (label, count), in the order given; a count given as
    text draws no bar and shows the text."""
    largest = max((value for _label, value in rows if isinstance(value, int)), default=0)
    bars = []
    top = 0
    for label, count in rows:
        note = "" if isinstance(count, int) else str(count)
        value = 0 if note else max(int(count), 0)
        percent = 0.0
        if largest and value:
            percent = max(round(value / largest * MAX_BAR_PERCENT, 2), MIN_BAR_PERCENT)
        text = str(label)
        wrapped = textwrap.wrap(text, LABEL_CHARS) or [""]
        lines = [(line, top + LABEL_BASELINE + i * LINE_HEIGHT) for i, line in enumerate(wrapped)]
        bar_y = lines[-1][1] + BAR_GAP
        bars.append(
            Bar(
                label=text,
                value=value,
                percent=percent,
                y=top,
                lines=lines,
                bar_y=bar_y,
                value_y=bar_y + VALUE_BASELINE,
                note=note,
            )
        )
        top = bar_y + BAR_HEIGHT + ROW_GAP
    return BarChart(
        id=f"chart-{slugify(chart_id or title) or 'bars'}",
        title=str(title),
        description=str(description),
        bars=bars,
        height=top - ROW_GAP + PADDING_BOTTOM if bars else 0,
        bar_height=BAR_HEIGHT,
        total=sum(bar.value for bar in bars),
    )
