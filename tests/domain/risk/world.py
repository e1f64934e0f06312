"""The risk tests' shared world: Physics 10 (Tina) with Amir (absent 3 of 3: HIGH), Bea (late once:
MEDIUM), Cy (always present: LOW); Dee in no batch (no data); Oscar teaching Art 7 only."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import schedule
from domain.attendance import sheet as att_sheet
from domain.attendance.batches import create_batch
from domain.models import ClassSession, Mark, Role
from tests.factories import physics_class

TZ = "Europe/London"
MONDAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]
SYSTEM = Actor.system()


def take(db, klass, clock, day: date, marks: dict[int, Mark]) -> None:
    """The class of `day` opened and submitted by its teacher with these marks (the rest present)."""
    schedule.ensure_sessions(db.uow(), day, day, TZ)
    with db.uow(readonly=True) as uow:
        cs = uow.session.scalars(select(ClassSession).where(ClassSession.on_date == day)).one()
    clock.set(datetime.combine(day, time(15, 55), UTC))
    schedule.open_due(db.uow())
    att_sheet.submit(db.uow(), Actor.telegram(klass["teacher"].id), cs.id, marks)


def build_school(db, make_person, clock) -> dict[str, Any]:
    klass = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown", "Cy Chen"])
    klass["loner"] = make_person(Role.STUDENT, "Dee Dunn")  # in no batch: no data at all
    klass["other"] = make_person(Role.TEACHER, "Oscar Other")
    klass["art"] = create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[klass["other"].id])
    amir, bea = klass["students"][:2]
    for n, day in enumerate(MONDAYS[:3]):
        take(db, klass, clock, day, {amir.id: Mark.ABSENT, bea.id: Mark.LATE if n == 1 else Mark.PRESENT})
    return klass
