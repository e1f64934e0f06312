"""The fee sections of the morning brief: the admin's totals, a teacher's "Fee dues this month"."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.fees.summary import batch_month_lines, totals_in
from domain.models import BatchTeacher, FeeDue, Person, Role
from domain.words import plural


def sections(s: Session, person: Person, today: date) -> list[tuple[str, list[str]]]:
    """(title, items) for this person's brief; nothing when there are no fees at all."""
    if s.scalar(select(FeeDue.id).limit(1)) is None:
        return []
    out: list[tuple[str, list[str]]] = []
    if person.role == Role.TEACHER or person.role == Role.ADMIN:
        batches = list(s.scalars(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person.id)))
        out.append(("Fee dues this month", batch_month_lines(s, batches, today)))
    if person.role == Role.ADMIN:
        t = totals_in(s, today)
        items = [f"Due this month: {t.due_this_month_text}", f"Collected this month: {t.collected_this_month_text}"]
        if t.overdue_count:
            items.append(f"Overdue: {t.overdue_text} ({plural(t.overdue_count, 'due')} of "
                         f"{plural(t.overdue_students, 'student')}): /fees")
        out.append(("Fees", items))
    return [(title, items) for title, items in out if items]
