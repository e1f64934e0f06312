"""The briefs' "Homework due soon" section: for teachers (and admins who teach) their batches' homework
due in the next 48 hours with its hand-in count; for students their own homework not handed in yet."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.homework.queries import summaries_in
from domain.models import Batch, BatchTeacher, Homework, HomeworkItem, HomeworkStatus, Person, Role
from domain.words import when_text

AHEAD = timedelta(hours=48)
SHOWN = 6


def due_soon(s: Session, person: Person, now: datetime, tz: str) -> list[str]:
    """The section's lines for this person (empty: no section)."""
    zone = ZoneInfo(tz)
    if person.role in (Role.TEACHER, Role.ADMIN):
        batches = list(s.scalars(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person.id)))
        if not batches:
            return []
        rows = sorted(summaries_in(s, batches, due_from=now, due_to=now + AHEAD), key=lambda r: r.due_at)
        return [f"{r.title} ({r.batch}), due {when_text(r.due_at, zone)}: {r.counts_text}" for r in rows[:SHOWN]]
    if person.role == Role.STUDENT:
        rows = s.execute(select(Homework.title, Batch.name, Homework.due_at)
                         .join(HomeworkItem, HomeworkItem.homework_id == Homework.id)
                         .join(Batch, Batch.id == Homework.batch_id)
                         .where(HomeworkItem.student_id == person.id, HomeworkItem.status == HomeworkStatus.OPEN,
                                Homework.due_at > now, Homework.due_at <= now + AHEAD)
                         .order_by(Homework.due_at).limit(SHOWN)).all()
        return [f"{title} ({batch}), due {when_text(due, zone)}: /homework" for title, batch, due in rows]
    return []
