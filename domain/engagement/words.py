"""Engagement in words: a person's reasons, a cluster's description, a feature's value."""

from __future__ import annotations

import math
from collections.abc import Sequence

from domain.engagement.features import BY_NAME, FEATURES, NAMES

REASONS = 3


def value_words(name: str, value: float | None) -> str:
    """A feature's value with its unit: "40 %", "26 h", "3"."""
    if value is None:
        return "no data"
    unit = BY_NAME[name].unit
    if unit == "%":
        return f"{round(value * 100)} %"
    if unit in ("h", "d"):
        return f"{value:.0f} {unit}" if abs(value) >= 10 else f"{value:.1f} {unit}"
    return f"{value:.1f}".rstrip("0").rstrip(".")


def model_reasons(values: Sequence[float | None], z: Sequence[float], weights: Sequence[float]) -> list[str]:
    """The features that push this person's risk up most (coefficient x standardised value), in words."""
    pushes = sorted(((w * v, i) for i, (w, v) in enumerate(zip(weights, z, strict=True))), reverse=True)
    out = []
    for push, i in pushes[:REASONS]:
        if push <= 0.05:
            break
        name = NAMES[i]
        side = "high" if z[i] > 0 else "low"
        out.append(f"{FEATURES[i].label}: {value_words(name, values[i])} ({side})")
    return out or ["nothing stands out"]


def heuristic_reasons(values: Sequence[float | None]) -> list[str]:
    """The baseline's one reason: the on-time rate it used."""
    for name in ("ontime_30", "ontime_90"):
        v = values[NAMES.index(name)]
        if v is not None:
            return [f"{BY_NAME[name].label}: {value_words(name, v)}"]
    return ["no task fell due in the last 90 days: the organisation's usual rate"]


def describe_cluster(centre: Sequence[float]) -> str:
    """A cluster's centre (standardised) in words."""
    z = dict(zip(NAMES, centre, strict=True))
    ontime = (z["ontime_30"] + z["ontime_90"]) / 2
    if z["idle_d"] > 0.75:
        return "drifting away"
    if (z["done_30"] < -0.5 and z["overdue"] > 0.5) or (ontime < -0.5 and z["start_7_h"] > 0.5):
        return "falling behind"
    if ontime >= 0.3 and z["start_30_h"] <= 0:
        return "fast and on time"
    if z["start_30_h"] > 0.3 and z["done_30"] >= -0.3:
        return "starts late, finishes"
    if ontime < -0.3:
        return "often late"
    return "steady, middle of the road"


def distinct(names: list[str]) -> list[str]:
    """The same description twice reads as one group: number the repeats ("drifting away, 2")."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}, {seen[name]}")
    return out


def standardise(rows: Sequence[Sequence[float | None]]) -> list[list[float]]:
    """Missing values filled with the column mean, then each column scaled to mean 0 and spread 1
    (k-means on raw hours and rates would let the hours decide everything)."""
    if not rows:
        return []
    columns = list(zip(*rows, strict=True))
    stats = []
    for col in columns:
        present = [v for v in col if v is not None]
        mean = sum(present) / len(present) if present else 0.0
        var = sum((v - mean) ** 2 for v in present) / len(present) if present else 0.0
        stats.append((mean, math.sqrt(var) or 1.0))
    return [[((mean if v is None else v) - mean) / sd for v, (mean, sd) in zip(r, stats, strict=True)]
            for r in rows]
