"""Geometry for the inline SVG charts on the insights page (drawn server-side; no scripts, no assets).

The templates turn these numbers into <svg> elements; colours come from classes in style.css, so the
Content-Security-Policy needs no inline styles.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from domain.ops.insights import DayPoint, Stats
from domain.words import day_text


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    w: float
    h: float
    title: str


@dataclass(frozen=True)
class Tick:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class TrendChart:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    bars: list[Bar]  # tasks assigned per day
    line: str  # polyline points: tasks finished per day
    dots: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    empty: bool


def _nice_max(value: int) -> int:
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 5000, 10000):
        if value <= step * 4:
            return step * 4
    return value


def trend_chart(points: Sequence[DayPoint], width: int = 720, height: int = 220) -> TrendChart:
    left, right, top, bottom = 34.0, 8.0, 10.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max([1, *(p.assigned for p in points), *(p.completed for p in points)])
    top_value = _nice_max(peak)
    n = max(len(points), 1)
    slot = plot_w / n
    bar_w = max(slot * 0.6, 1.0)

    def y_of(v: int) -> float:
        return round(top + plot_h - v / top_value * plot_h, 1)

    bars, dots, coords, x_ticks = [], [], [], []
    every = max(1, round(n / 8))
    for i, p in enumerate(points):
        cx = left + slot * i + slot / 2
        y = y_of(p.assigned)
        bars.append(Bar(round(cx - bar_w / 2, 1), y, round(bar_w, 1), round(top + plot_h - y, 1),
                        f"{day_text(p.day)}: {p.assigned} assigned"))
        cy = y_of(p.completed)
        coords.append(f"{cx:.1f},{cy:.1f}")
        dots.append(Bar(round(cx, 1), cy, 0, 0, f"{day_text(p.day)}: {p.completed} finished"))
        if i % every == 0:
            x_ticks.append(Tick(round(cx, 1), height - 8, f"{p.day.day} {p.day:%b}"))
    y_ticks = [Tick(left - 4, y_of(v), str(v)) for v in (0, top_value // 2, top_value)]
    empty = not any(p.assigned or p.completed for p in points)
    return TrendChart(width, height, top, top + plot_h, left, bars, " ".join(coords), dots, x_ticks,
                      y_ticks, empty)


@dataclass(frozen=True)
class GroupBar:
    label: str
    y: float
    rate_w: float  # width of the completion-rate bar
    ontime_w: float
    rate: float | None
    on_time: float | None
    assigned: int


@dataclass(frozen=True)
class GroupChart:
    width: int
    height: int
    label_w: int
    plot_w: int
    rows: list[GroupBar]


def group_chart(groups: Sequence[Stats], width: int = 720) -> GroupChart:
    label_w, row_h = 170, 34
    plot_w = width - label_w - 60
    rows = []
    for i, g in enumerate(groups):
        rate, on_time = g.completion_rate, g.on_time_rate
        rows.append(GroupBar(g.label[:28], 8 + i * row_h, round((rate or 0) * plot_w, 1),
                             round((on_time or 0) * plot_w, 1), rate, on_time, g.assigned))
    return GroupChart(width, 16 + len(rows) * row_h, label_w, plot_w, rows)
