"""Attendance alarms need evidence: a minimum of classes, late counted as the rule says, calm texts,
class times in local time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.alerts import services as alert_services
from domain.attendance import pipeline, schedule
from domain.attendance import sheet as att_sheet
from domain.models import ClassSession, Mark, PendingAction, Role
from domain.settings import services as settings
from tests.factories import physics_class

TZ = "Europe/London"  # on UTC in November
MONDAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16), date(2026, 11, 23)]


@pytest.fixture
def klass(db, make_person):
    return physics_class(db, make_person, ["Amir", "Bea", "Cy"])


def take(db, klass, clock, day: date, marks: dict[int, Mark]) -> None:
    schedule.ensure_sessions(db.uow(), day, day, TZ)
    with db.uow(readonly=True) as uow:
        cs = uow.session.scalars(select(ClassSession).where(ClassSession.on_date == day)).one()
    clock.set(datetime.combine(day, time(15, 55), UTC))
    schedule.open_due(db.uow())
    att_sheet.submit(db.uow(), Actor.telegram(klass["teacher"].id), cs.id, marks)


def items(db, kind: str) -> list[PendingAction]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(PendingAction).where(PendingAction.kind == kind)
                                        .order_by(PendingAction.id)))


def test_low_attendance_waits_for_the_minimum_number_of_classes(db, klass, clock):
    amir = klass["students"][0]
    for n, day in enumerate(MONDAYS):
        take(db, klass, clock, day, {amir.id: Mark.ABSENT if n % 2 else Mark.PRESENT})
        if n < 3:  # 0 of 1 ... 1 of 2 ... below 75% but not enough classes yet
            assert items(db, "low_attendance") == []
    (low,) = items(db, "low_attendance")
    assert low.student_id == amir.id
    assert low.summary == "Amir attended 2 of 4 classes of Physics 10 in the last 30 days (50%)."


def test_late_counts_as_attended_unless_the_batch_says_otherwise(db, klass, clock, make_person):
    bea = klass["students"][1]
    for day in MONDAYS[:3]:
        take(db, klass, clock, day, {bea.id: Mark.LATE})
    assert items(db, "absence_streak") == [] and items(db, "low_attendance") == []

    admin = Actor.web(make_person(Role.ADMIN).id, None)
    settings.save(db.uow(), admin, {"attendance.late_counts_present": "no", "attendance.low_min_sessions": "4"},
                  klass["batch"].id)
    take(db, klass, clock, MONDAYS[3], {bea.id: Mark.LATE})
    (streak,) = items(db, "absence_streak")
    assert streak.summary == "Bea was marked absent or late in each of the last 3 classes of Physics 10."
    (low,) = items(db, "low_attendance")
    assert low.summary == "Bea attended 0 of 4 classes of Physics 10 in the last 30 days (0%)."
    # The information is also an alert for the admins (alert rules); the teacher's inbox keeps the action.
    told = {(a.type, a.text) for a in alert_services.list_unread(db.uow(readonly=True), admin)}
    assert told == {("absence_streak", streak.summary), ("low_attendance", low.summary)}


def test_a_missed_class_is_told_in_the_organisations_local_time(db, klass, clock):
    kolkata = "Asia/Kolkata"  # 16:00 there is 10:30 UTC
    schedule.ensure_sessions(db.uow(), MONDAYS[0], MONDAYS[0], kolkata)
    clock.set(datetime(2026, 11, 2, 12, 0, tzinfo=UTC))
    assert pipeline.auto_close(db.uow(), kolkata) == {"closed": 0, "missed": 1}
    (missed,) = items(db, "missed_session")
    assert missed.summary == "No attendance was taken for Physics 10 on Mon 2 Nov, 16:00."
    assert "UTC" not in missed.summary and "10:30" not in missed.summary
