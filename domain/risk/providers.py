"""The three factors other features will own: homework, fees and test marks. Each returns None today
(the factor is then "unknown" and left out of the score, its weight spread over the rest); wiring one
in is one line here, nothing else in the engine changes."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.orm import Session


def homework_counts(session: Session, student_ids: Sequence[int], window: int) -> dict[int, tuple[int, int]] | None:
    """Per student (items set, items handed in) among the `window` most recent homework items set for
    the student's OWN batches (current enrolments only), or None while homework does not exist.

    TODO(homework): return domain.homework.queries.homework_counts(session, student_ids, window)."""
    return None


def fee_status(session: Session, student_ids: Sequence[int]) -> dict[int, int] | None:
    """Per student the days their worst unpaid fee is overdue (0: none overdue; a student with no fee
    records is left out), or None while fees do not exist.

    TODO(fees): return domain.fees.queries.fee_status(session, student_ids)."""
    return None


def test_results(session: Session, student_ids: Sequence[int]) -> dict[int, tuple[float, ...]] | None:
    """Per student their test percentages, oldest first (the last two matter), or None while marks do
    not exist.

    TODO(marks): return domain.marks.queries.results_for_student(session, student_ids)."""
    return None
