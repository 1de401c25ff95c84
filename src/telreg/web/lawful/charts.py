"""The geometry of horizontal bar charts, drawn server-side as inline SVG (no script, no build step).

One bar per value of a category (the transparency report's legal types, data asked for, operators, outcomes),
its label on the left and its count at its end, a scale with gridlines under it. Horizontal bars keep long
labels readable when the chart shrinks to a phone's width (the SVG scales with its viewBox). Bars differ by fill
pattern as well as colour, so the chart does not rely on colour alone; every bar carries a <title> with its
label and count, and the same figures are in a table beside the chart.

The template (web/lawful_oversight/templates/lawful_oversight/_bars.html) draws the patterns under ids prefixed
with the chart's id: several charts on one page share the document's id space.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["COLOURS", "PATTERNS", "Bar", "BarChart", "bar_chart", "nice_scale"]

WIDTH = 640
LEFT, RIGHT, TOP, BOTTOM = 200, 56, 8, 28  # the label column, room for a count after the longest bar, the scale
ROW, BAR = 32, 20  # height of a row and of the bar in it
COLOURS = ("#1f5fa8", "#c85a00", "#13795b", "#6a3d9a", "#b8006b", "#5c6b00")
PATTERNS = ("solid", "diagonal", "dots", "cross", "horizontal", "vertical")  # drawn by the template
MAX_LABEL = 28  # characters of a label before it is shortened (the full label stays in the bar's <title>)


@dataclass(frozen=True)
class Bar:
    key: str  # the value's code (data- attribute, tests); never shown
    label: str  # the value in words, in the page's language
    short_label: str
    count: int
    x: int
    y: float  # top of the bar
    width: float
    height: int
    label_y: float  # text baseline, centred on the bar
    colour: str
    pattern: str


@dataclass(frozen=True)
class BarChart:
    id: str
    width: int
    height: float
    left: int
    right: int  # x of the plot's right edge
    top: int
    bottom: float  # y of the scale line
    scale_max: int
    ticks: list[tuple[float, int]]  # (x, value) of each gridline
    bars: list[Bar]

    @property
    def total(self) -> int:
        return sum(bar.count for bar in self.bars)


def nice_scale(largest: int) -> tuple[int, int]:
    """The scale's end and step for counts up to LARGEST: a step of 1, 2 or 5 times a power of ten, at most five
    steps (0 → a scale of 1, so an empty chart still has an axis)."""
    if largest <= 0:
        return 1, 1
    raw = largest / 5
    power = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    step = next(multiple * power for multiple in (1, 2, 5, 10) if multiple * power >= raw)
    return math.ceil(largest / step) * step, step


def _short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[: MAX_LABEL - 1].rstrip() + "…"


def bar_chart(chart_id: str, items: list[tuple[str, str, int]]) -> BarChart:
    """Lay out ITEMS, (key, label in words, count), in the order given, one bar each."""
    right = WIDTH - RIGHT
    scale_max, step = nice_scale(max((count for _, _, count in items), default=0))
    span = right - LEFT

    def x_of(value: int) -> float:
        return round(LEFT + value * span / scale_max, 1)

    bars = []
    for index, (key, label, count) in enumerate(items):
        top = TOP + index * ROW + (ROW - BAR) / 2
        bars.append(Bar(key, label, _short(label), count, LEFT, top, round(x_of(count) - LEFT, 1), BAR,
                        top + BAR / 2 + 4, COLOURS[index % len(COLOURS)], PATTERNS[index % len(PATTERNS)]))
    bottom = TOP + max(len(items), 1) * ROW
    ticks = [(x_of(value), value) for value in range(0, scale_max + 1, step)]
    return BarChart(chart_id, WIDTH, bottom + BOTTOM, LEFT, right, TOP, bottom, scale_max, ticks, bars)
