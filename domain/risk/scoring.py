"""The student risk score, pure (no database): a 0-100 health score, higher is safer.

The coaching seed's definitions (weights 40/30/20/10, windows, fee buckets, the tests term), except its
traps: a factor without data is *unknown*, left out with the remaining weights renormalised (never
counted as safe), and a student with no data at all is "not enough data", never LOW.
"""

from __future__ import annotations

import enum
import math
from dataclasses import dataclass

WEIGHTS = {"attendance": 40, "homework": 30, "fees": 20, "tests": 10}
ATTENDANCE_WINDOW = 20  # the student's last 20 attendance records
MIN_ATTENDANCE = 3  # fewer records than this is not evidence either way: attendance unknown
HOMEWORK_WINDOW = 10  # the 10 most recent homework items set for the student's own batches
FEE_HALF_FROM, FEE_ZERO_FROM = 1, 60  # days overdue: 1-59 -> 0.5, 60+ -> 0.0
LOW_FROM, MEDIUM_FROM = 75.0, 50.0


class Level(enum.StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"
    NOT_ENOUGH_DATA = "not_enough_data"


LEVEL_WORDS = {Level.LOW: "Low", Level.MEDIUM: "Medium", Level.HIGH: "High",
               Level.NOT_ENOUGH_DATA: "Not enough data"}


@dataclass(frozen=True)
class StudentFacts:
    """What the engine knows of one student; None (or too little) means unknown, never "fine"."""

    present: int = 0  # "present" marks among the last `records` attendance records (late is not present)
    records: int = 0  # attendance records in the window (at most ATTENDANCE_WINDOW)
    homework_set: int | None = None  # items set for the student's own batches, latest HOMEWORK_WINDOW
    homework_handed_in: int | None = None
    fee_days_overdue: int | None = None  # the worst overdue unpaid fee in days; 0 = nothing overdue
    tests: tuple[float, ...] | None = None  # test percentages, oldest first


@dataclass(frozen=True)
class Factor:
    """One factor of the score: its value 0..1 (None: unknown), weights and its words."""

    name: str
    value: float | None
    weight: int  # the seed's weight
    weight_used: float  # after renormalisation over the known factors (0 when unknown); sums to 100
    words: str

    @property
    def known(self) -> bool:
        return self.value is not None


@dataclass(frozen=True)
class RiskScore:
    score: float | None  # 0..100, one decimal (cut, not rounded up); None when there is not enough data
    level: Level
    factors: tuple[Factor, ...]

    @property
    def reasons(self) -> str:
        """The reasons in words: each factor's own line, joined."""
        return "; ".join(f.words for f in self.factors)


def pct(part: float, whole: float) -> str:
    """55% style, no decimals."""
    return f"{round(100 * part / whole)}%"


def attendance_factor(f: StudentFacts) -> tuple[float | None, str]:
    """Share of present among the last records; unknown below MIN_ATTENDANCE records."""
    if f.records < MIN_ATTENDANCE:
        shown = "no classes recorded" if not f.records else f"only {f.records} classes recorded"
        return None, f"attendance unknown ({shown})"
    n = min(f.records, ATTENDANCE_WINDOW)
    present = min(f.present, n)
    return present / n, f"attendance {pct(present, n)} over the last {n} classes"


def homework_factor(f: StudentFacts) -> tuple[float | None, str]:
    """Share of the most recent items (own batches only) handed in."""
    if not f.homework_set or f.homework_handed_in is None:
        return None, "homework unknown (none set)"
    n = min(f.homework_set, HOMEWORK_WINDOW)
    done = min(f.homework_handed_in, n)
    return done / n, f"{done} homework item{'s' if done != 1 else ''} of the last {n} handed in"


def fee_factor(f: StudentFacts) -> tuple[float | None, str]:
    """The worst overdue unpaid fee: none -> 1.0, 1-59 days -> 0.5, 60+ days -> 0.0."""
    if f.fee_days_overdue is None:
        return None, "fees unknown (no fee records)"
    days = f.fee_days_overdue
    if days < FEE_HALF_FROM:
        return 1.0, "no fee overdue"
    return (0.5 if days < FEE_ZERO_FROM else 0.0), f"fee {days} day{'s' if days != 1 else ''} overdue"


def tests_factor(f: StudentFacts) -> tuple[float | None, str]:
    """From the last two marks: 0.5 + (change / previous) / 2, clamped to 0..1; fewer than two: unknown."""
    if not f.tests or len(f.tests) < 2:
        return None, "tests unknown (fewer than two marks)"
    previous, last = f.tests[-2], f.tests[-1]
    if previous <= 0:
        value = 1.0 if last > 0 else 0.5
    else:
        value = min(1.0, max(0.0, 0.5 + (last - previous) / previous / 2))
    return value, f"tests {previous:g}% then {last:g}%"


def level_of(score: float | None) -> Level:
    """LOW >= 75, MEDIUM 50-74, HIGH < 50; None: not enough data."""
    if score is None:
        return Level.NOT_ENOUGH_DATA
    if score >= LOW_FROM:
        return Level.LOW
    return Level.MEDIUM if score >= MEDIUM_FROM else Level.HIGH


def score(f: StudentFacts) -> RiskScore:
    """The score: weighted mean of the known factors (weights renormalised), its level and breakdown."""
    parts = {"attendance": attendance_factor(f), "homework": homework_factor(f), "fees": fee_factor(f),
             "tests": tests_factor(f)}
    known = sum(WEIGHTS[k] for k, (v, _) in parts.items() if v is not None)
    factors = tuple(Factor(k, v, WEIGHTS[k], round(100 * WEIGHTS[k] / known, 1) if v is not None else 0.0, w)
                    for k, (v, w) in parts.items())
    if not known:
        return RiskScore(None, Level.NOT_ENOUGH_DATA, factors)
    raw = sum(WEIGHTS[k] * v for k, (v, _) in parts.items() if v is not None)
    exact = round(raw if known == 100 else raw * 100 / known, 6)  # float noise never moves a level
    return RiskScore(math.floor(round(exact * 10, 4)) / 10, level_of(exact), factors)  # 74.96 shows 74.9, MEDIUM
