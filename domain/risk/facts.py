"""What the risk engine knows of each student, gathered in bulk: attendance from domain/attendance's
records now; homework, fees and tests through the providers (unknown until those features exist)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.models import AttendanceRecord, ClassSession, Mark
from domain.risk import providers
from domain.risk.scoring import ATTENDANCE_WINDOW, HOMEWORK_WINDOW, StudentFacts

CHUNK = 500  # students per query (bound parameters stay well under SQLite's limit)


def attendance(session: Session, student_ids: Sequence[int]) -> dict[int, tuple[int, int]]:
    """Per student (present, records) over their last ATTENDANCE_WINDOW records, every batch, newest
    classes first; late and absent are not present (the seed's definition)."""
    out: dict[int, tuple[int, int]] = {}
    for i in range(0, len(student_ids), CHUNK):
        ids = list(student_ids[i:i + CHUNK])
        ranked = (select(AttendanceRecord.student_id.label("sid"), AttendanceRecord.mark.label("mark"),
                         func.row_number().over(partition_by=AttendanceRecord.student_id,
                                                order_by=(ClassSession.starts_at.desc(), ClassSession.id.desc()))
                         .label("n"))
                  .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
                  .where(AttendanceRecord.student_id.in_(ids)).subquery())
        rows = session.execute(select(ranked.c.sid, func.sum(case((ranked.c.mark == Mark.PRESENT, 1), else_=0)),
                                      func.count()).where(ranked.c.n <= ATTENDANCE_WINDOW)
                               .group_by(ranked.c.sid))
        out.update({int(sid): (int(present or 0), int(n)) for sid, present, n in rows})
    return out


def gather(session: Session, student_ids: Sequence[int], now: datetime) -> dict[int, StudentFacts]:
    """Every factor's facts for these students; a factor nobody provides stays unknown (None)."""
    seen = attendance(session, student_ids)
    homework = providers.homework_counts(session, student_ids, HOMEWORK_WINDOW, now) or {}
    fees = providers.fee_status(session, student_ids, now) or {}
    tests = providers.test_results(session, student_ids) or {}
    facts = {}
    for sid in student_ids:
        present, records = seen.get(sid, (0, 0))
        hw = homework.get(sid)
        facts[sid] = StudentFacts(present, records, hw[0] if hw else None, hw[1] if hw else None,
                                  fees.get(sid), tests.get(sid))
    return facts
