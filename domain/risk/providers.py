"""The three factors other features own: homework, fees and test marks, read in one query each for a
batch of students. A provider returning None (a feature not there) or leaving a student out makes the
factor "unknown" for them: left out of the score, its weight spread over the rest."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.models import ClassTest, FeeDue, Homework, HomeworkItem, HomeworkStatus, StudentMark
from domain.uow import ORG_TZ


def homework_counts(session: Session, student_ids: Sequence[int], window: int,
                    now: datetime) -> dict[int, tuple[int, int]] | None:
    """Per student (items set, items handed in) among the `window` most recent homework items that count
    (due already, or handed in). Items are the student's own (set to their batches when they were
    enrolled), so another batch never weighs in; a student with none is left out (unknown)."""
    handed = HomeworkItem.status.in_([HomeworkStatus.HANDED_IN, HomeworkStatus.REVIEWED])
    rows = session.execute(
        select(HomeworkItem.student_id, handed).join(Homework, Homework.id == HomeworkItem.homework_id)
        .where(HomeworkItem.student_id.in_(list(student_ids)), (Homework.due_at <= now) | handed)
        .order_by(HomeworkItem.student_id, Homework.due_at.desc(), Homework.id.desc()))
    seen: dict[int, list[bool]] = {}
    for student_id, was_handed in rows:
        items = seen.setdefault(student_id, [])
        if len(items) < window:
            items.append(bool(was_handed))
    return {i: (len(items), sum(items)) for i, items in seen.items() if items}


def fee_status(session: Session, student_ids: Sequence[int], now: datetime) -> dict[int, int] | None:
    """Per student the days their worst unpaid fee is overdue on the organisation's today (0: none overdue);
    a student with no fee records at all is left out (unknown, not "paid up")."""
    today = now.astimezone(ZoneInfo(str(session.info.get(ORG_TZ) or "UTC"))).date()
    unpaid_overdue = (FeeDue.amount_minor > FeeDue.paid_minor) & (FeeDue.due_on < today)
    rows = session.execute(
        select(FeeDue.student_id, func.min(case((unpaid_overdue, FeeDue.due_on), else_=None)))
        .where(FeeDue.student_id.in_(list(student_ids))).group_by(FeeDue.student_id))
    return {int(i): ((today - worst).days if worst is not None else 0) for i, worst in rows}


def test_results(session: Session, student_ids: Sequence[int]) -> dict[int, tuple[float, ...]] | None:
    """Per student their test percentages, oldest first (the last two matter); absences are not marks."""
    rows = session.execute(
        select(StudentMark.student_id, StudentMark.marks, ClassTest.max_marks)
        .join(ClassTest, ClassTest.id == StudentMark.test_id)
        .where(StudentMark.student_id.in_(list(student_ids)), StudentMark.marks.is_not(None),
               ClassTest.max_marks > 0)
        .order_by(StudentMark.student_id, ClassTest.held_on, ClassTest.id))
    found: dict[int, list[float]] = {}
    for student_id, marks, max_marks in rows:
        found.setdefault(student_id, []).append(round(100 * float(marks) / max_marks, 1))
    return {i: tuple(p) for i, p in found.items()}
