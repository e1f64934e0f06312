"""The student risk score equals the coaching seed's formula, computed here by hand on a fixed table, and
differs from it only on its traps (unknown is not safe; no data is not LOW)."""

from __future__ import annotations

import pytest

from domain.risk.scoring import Level, StudentFacts, score


def seed_formula(present: int, records: int, hw_done: int, hw_set: int, fee_days: int,
                 tests: tuple[float, ...]) -> float:
    """The seed's code, written out: 40 x attendance + 30 x homework + 20 x fee + 10 x tests, with fewer
    than two test marks the tests term dropped and the rest divided by 0.9."""
    attendance = present / min(records, 20)
    homework = hw_done / min(hw_set, 10)
    fee = 1.0 if fee_days <= 0 else 0.5 if fee_days < 60 else 0.0
    if len(tests) < 2:
        return (40 * attendance + 30 * homework + 20 * fee) / 0.9
    prev, last = tests[-2], tests[-1]
    t = min(1.0, max(0.0, 0.5 + ((last - prev) / prev) / 2))
    return 40 * attendance + 30 * homework + 20 * fee + 10 * t


def seed_level(s: float) -> Level:
    return Level.LOW if s >= 75 else Level.MEDIUM if s >= 50 else Level.HIGH


# name, present of records (last 20), homework handed in of set (last 10), fee days overdue, test marks,
# and the score and level worked out with pencil and paper.
TABLE = [
    # 40*1 + 30*1 + 20*1 + 10*min(1, .5 + (80-70)/70/2 = .5714) = 95.714
    ("Asha", 20, 20, 10, 10, 0, (70.0, 80.0), 95.714, Level.LOW),
    # 40*.55 + 30*.2 + 20*.5 + 10*(.5 + (48-62)/62/2 = .3871) = 22 + 6 + 10 + 3.871 = 41.871
    ("Bilal", 11, 20, 2, 10, 40, (62.0, 48.0), 41.871, Level.HIGH),
    # 40*.75 + 30*.7 + 20*1 + 10*.5 = 30 + 21 + 20 + 5 = 76
    ("Chidi", 15, 20, 7, 10, 0, (60.0, 60.0), 76.0, Level.LOW),
    # 40*.6 + 30*.5 + 20*.5 + 10*(.5 + 10/50/2 = .6) = 24 + 15 + 10 + 6 = 55
    ("Dana", 12, 20, 5, 10, 59, (50.0, 60.0), 55.0, Level.MEDIUM),
    # 40*.9 + 30*.8 + 20*0 + 10*(.5 - 30/90/2 = .3333) = 36 + 24 + 0 + 3.333 = 63.333
    ("Emre", 18, 20, 8, 10, 60, (90.0, 60.0), 63.333, Level.MEDIUM),
    # 40*.5 + 30*.5 + 20*.5 + 10*.5 = 50 exactly: MEDIUM (>= 50)
    ("Farah", 10, 20, 5, 10, 10, (40.0, 40.0), 50.0, Level.MEDIUM),
    # 40*.8 + 30*.6 + 20*1 + 10*(.5 + 10/20/2 = .75) = 32 + 18 + 20 + 7.5 = 77.5
    ("Gita", 16, 20, 6, 10, 0, (20.0, 30.0), 77.5, Level.LOW),
    # 40*.5 + 30*.6 + 20*.5 + 10*(.5 - 50/100/2 = .25) = 20 + 18 + 10 + 2.5 = 50.5
    ("Hana", 5, 10, 3, 5, 1, (100.0, 50.0), 50.5, Level.MEDIUM),
    # 40*.75 + 30*.5 + 20*1 + 10*1 (clamped: .5 + 60/30/2 = 1.5) = 30 + 15 + 20 + 10 = 75 exactly: LOW
    ("Ivan", 3, 4, 1, 2, 0, (30.0, 90.0), 75.0, Level.LOW),
    # one test mark: tests dropped, (40*.7 + 30*.4 + 20*.5) / .9 = (28 + 12 + 10) / .9 = 55.556
    ("Jo", 14, 20, 4, 10, 30, (70.0,), 55.556, Level.MEDIUM),
    # no test marks: (40*.3 + 30*.3 + 20*0) / .9 = 21 / .9 = 23.333
    ("Kemi", 6, 20, 3, 10, 75, (), 23.333, Level.HIGH),
    # 40*.45 + 30*.4 + 20*.5 + 10*(.5 + 5/50/2 = .55) = 18 + 12 + 10 + 5.5 = 45.5
    ("Lena", 9, 20, 4, 10, 5, (50.0, 55.0), 45.5, Level.HIGH),
]


@pytest.mark.parametrize("row", TABLE, ids=[r[0] for r in TABLE])
def test_the_score_is_the_seed_formula_worked_by_hand(row):
    _name, present, records, hw_done, hw_set, fee_days, tests, by_hand, level = row
    assert seed_formula(present, records, hw_done, hw_set, fee_days, tests) == pytest.approx(by_hand, abs=1e-3)
    assert seed_level(by_hand) == level
    result = score(StudentFacts(present, records, hw_set, hw_done, fee_days, tests or None))
    assert result.score == pytest.approx(by_hand, abs=0.1)  # shown cut to one decimal
    assert result.level == level
    assert sum(f.weight_used for f in result.factors) == pytest.approx(100, abs=0.2)


def test_the_reasons_are_in_words():
    result = score(StudentFacts(11, 20, 10, 2, 40, (62.0, 48.0)))
    assert result.reasons == ("attendance 55% over the last 20 classes; 2 homework items of the last 10 "
                              "handed in; fee 40 days overdue; tests 62% then 48%")


def test_an_unknown_factor_is_left_out_and_the_rest_renormalised():
    # Attendance only (today's Taskbell): 40 of 40 carry the score.
    only = score(StudentFacts(11, 20))
    assert only.score == 55.0 and only.level == Level.MEDIUM
    weights = {f.name: f.weight_used for f in only.factors}
    assert weights == {"attendance": 100.0, "homework": 0.0, "fees": 0.0, "tests": 0.0}
    assert only.reasons == ("attendance 55% over the last 20 classes; homework unknown (none set); "
                            "fees unknown (no fee records); tests unknown (fewer than two marks)")
    # Attendance and fees: 40 + 20 renormalised to 66.7 + 33.3; 40*.5 + 20*0 over 60 = 33.3.
    two = score(StudentFacts(10, 20, fee_days_overdue=90))
    assert two.score == 33.3 and two.level == Level.HIGH
    assert {f.name: f.weight_used for f in two.factors if f.known} == {"attendance": 66.7, "fees": 33.3}


def test_the_seeds_traps_no_data_is_not_safe():
    # The seed scores a student with no data 1.0 everywhere: LOW. Here: not enough data, no score.
    nothing = score(StudentFacts())
    assert nothing.level == Level.NOT_ENOUGH_DATA and nothing.score is None
    assert all(not f.known and f.weight_used == 0 for f in nothing.factors)
    # Two records are no evidence either way (the seed would say 0% -> HIGH).
    assert score(StudentFacts(0, 2)).level == Level.NOT_ENOUGH_DATA
    # Homework set but nothing for the student's batches: unknown, not 100%.
    assert score(StudentFacts(20, 20, homework_set=0, homework_handed_in=0)).factors[1].known is False


def test_levels_at_the_boundaries():
    assert score(StudentFacts(15, 20)).level == Level.LOW  # 75.0
    assert score(StudentFacts(10, 20)).level == Level.MEDIUM  # 50.0
    assert score(StudentFacts(9, 20)).level == Level.HIGH  # 45.0
