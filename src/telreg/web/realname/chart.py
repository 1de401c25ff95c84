"""The geometry of the real-name rate chart, drawn server-side as inline SVG (no script, no build step).

One line per operator over the days of the period (a day without a rate breaks the line), the policy's target
as a dashed horizontal line, gridlines with percentages. Lines differ by dash pattern as well as colour, so the
chart does not rely on colour alone; every point carries a <title> with its day and rate.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

__all__ = ["Chart", "Line", "rate_chart"]

WIDTH, HEIGHT = 720, 320
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 40
COLOURS = ("#1f5fa8", "#c85a00", "#13795b", "#6a3d9a", "#b8006b", "#5c6b00")
DASHES = ("", "7 4", "2 4", "10 4 2 4", "4 2", "1 3")
MAX_X_LABELS = 7


@dataclass(frozen=True)
class Point:
    x: float
    y: float
    day: str
    rate: float


@dataclass
class Line:
    operator: str
    colour: str
    dash: str
    segments: list[str] = field(default_factory=list)  # SVG polyline "x,y x,y …" strings
    points: list[Point] = field(default_factory=list)


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    left: int
    right: float  # x of the plot's right edge
    top: int
    bottom: float  # y of the plot's bottom edge
    y_ticks: list[tuple[float, str]]
    x_ticks: list[tuple[float, str]]
    target: float
    target_y: float
    lines: list[Line]


def rate_chart(rows: list[dict[str, Any]], *, target: float, first: dt.date, last: dt.date) -> Chart:
    """Lay out the rows of reports.compliance (day, operator, rate_percent) between two days."""
    days = max((last - first).days, 0)
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM
    rates = [row["rate_percent"] for row in rows if row["rate_percent"] is not None]
    low = _floor_to(min([*rates, target]) - 5, 10)
    step = 5 if 100 - low <= 30 else 10

    def x_of(day: dt.date) -> float:
        if days == 0:
            return (LEFT + right) / 2
        return round(LEFT + (day - first).days * (right - LEFT) / days, 1)

    def y_of(rate: float) -> float:
        return round(bottom - (rate - low) * (bottom - TOP) / (100 - low), 1)

    by_operator: dict[str, dict[dt.date, float | None]] = defaultdict(dict)
    for row in rows:
        by_operator[row["operator"]][dt.date.fromisoformat(row["day"])] = row["rate_percent"]
    lines = []
    for index, (operator, rates_by_day) in enumerate(sorted(by_operator.items())):
        line = Line(operator, COLOURS[index % len(COLOURS)], DASHES[index % len(DASHES)])
        run: list[str] = []
        for offset in range(days + 1):
            day = first + dt.timedelta(days=offset)
            rate = rates_by_day.get(day)
            if rate is None:  # no row that day, or no subscriber: the line breaks
                if run:
                    line.segments.append(" ".join(run))
                run = []
                continue
            point = Point(x_of(day), y_of(rate), day.isoformat(), rate)
            line.points.append(point)
            run.append(f"{point.x},{point.y}")
        if run:
            line.segments.append(" ".join(run))
        lines.append(line)
    label_every = max(1, math.ceil((days + 1) / MAX_X_LABELS))
    x_ticks = [(x_of(first + dt.timedelta(days=offset)), (first + dt.timedelta(days=offset)).isoformat())
               for offset in range(0, days + 1, label_every)]
    y_ticks = [(y_of(value), f"{value}%") for value in range(int(low), 101, step)]
    return Chart(WIDTH, HEIGHT, LEFT, right, TOP, bottom, y_ticks, x_ticks, target, y_of(target), lines)


def _floor_to(value: float, unit: int) -> float:
    return max(0.0, math.floor(value / unit) * unit)
