"""Geometry for a test's distribution chart (inline SVG, drawn server-side like web.charts): one bar per
tenth of the maximum marks, its height the number of students who scored in it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from web.charts import Bar, Tick, _nice_max


@dataclass(frozen=True)
class Histogram:
    width: int
    height: int
    plot_top: float
    plot_bottom: float
    plot_left: float
    bars: list[Bar]
    x_ticks: list[Tick]
    y_ticks: list[Tick]
    empty: bool


def distribution_chart(buckets: Sequence[int], width: int = 560, height: int = 200) -> Histogram:
    """Bars for the students per tenth of the maximum (0-9 %, ..., 90-100 %)."""
    left, right, top, bottom = 30.0, 8.0, 10.0, 26.0
    plot_w, plot_h = width - left - right, height - top - bottom
    top_value = _nice_max(max([1, *buckets])) if max(buckets, default=0) > 4 else 4
    n = max(len(buckets), 1)
    slot = plot_w / n
    bar_w = slot * 0.8

    def y_of(v: int) -> float:
        return round(top + plot_h - v / top_value * plot_h, 1)

    bars, ticks = [], []
    for i, count in enumerate(buckets):
        x = left + slot * i + (slot - bar_w) / 2
        lo, hi = i * 10, (100 if i == n - 1 else i * 10 + 9)
        who = "student" if count == 1 else "students"
        bars.append(Bar(round(x, 1), y_of(count), round(bar_w, 1), round(top + plot_h - y_of(count), 1),
                        f"{lo}–{hi}%: {count} {who}"))
        ticks.append(Tick(round(left + slot * i + slot / 2, 1), height - 8, f"{lo}%"))
    y_ticks = [Tick(left - 4, y_of(v), str(v)) for v in (0, top_value // 2, top_value)]
    return Histogram(width, height, top, top + plot_h, left, bars, ticks, y_ticks, not any(buckets))
