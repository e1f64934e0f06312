"""A parent's view of their children's attendance (and a student's of their own), as the dashboard shows it."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import family, schedule
from domain.attendance import sheet as att_sheet
from domain.models import ClassSession, Mark, Role
from tests.factories import physics_class

TZ = "Europe/London"
MONDAYS = [date(2026, 11, 2), date(2026, 11, 9), date(2026, 11, 16)]


@pytest.fixture
def klass(db, make_person, clock):
    """Physics 10 on Mondays; three Mondays taken: Student 0 absent, late, present; Student 1 always present."""
    k = physics_class(db, make_person, ["Student 0", "Student 1", "Student 2"])
    s0 = k["students"][0]
    schedule.ensure_sessions(db.uow(), MONDAYS[0], MONDAYS[-1] + timedelta(days=7), TZ)
    for day, mark in zip(MONDAYS, [Mark.ABSENT, Mark.LATE, Mark.PRESENT], strict=True):
        clock.set(datetime.combine(day, time(15, 55), UTC))
        schedule.open_due(db.uow())
        with db.uow(readonly=True) as uow:
            sid = uow.session.scalar(select(ClassSession.id).where(ClassSession.on_date == day))
        att_sheet.submit(db.uow(), Actor.telegram(k["teacher"].id), sid, {s0.id: mark})
    clock.set(datetime(2026, 11, 20, 12, 0, tzinfo=UTC))
    return k


def test_a_parent_sees_each_child_per_batch_class_by_class(db, klass):
    parent = klass["parents"][1]  # Parent 1 has Student 0 and Student 1
    view = family.family_attendance(db.uow(readonly=True), parent.id, TZ)
    assert [c.name for c in view.children] == ["Student 0", "Student 1"]
    s0, s1 = view.children
    assert [b.batch_name for b in s0.batches] == ["Physics 10"]
    row = s0.batches[0]
    assert [(c.on_date, c.mark) for c in row.classes] == list(zip(MONDAYS, [Mark.ABSENT, Mark.LATE, Mark.PRESENT],
                                                                   strict=True))
    assert (row.line.present, row.line.late, row.line.absent) == (1, 1, 1)
    assert row.next_class == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # the next Monday, 16:00 London
    assert [c.mark for c in s1.batches[0].classes] == [Mark.PRESENT] * 3
    assert view.last == date(2026, 11, 20) and view.first == date(2026, 10, 24)


def test_only_the_last_weeks_and_only_ones_own_children(db, klass, clock, make_person):
    clock.set(datetime(2026, 12, 1, 12, 0, tzinfo=UTC))  # four weeks back is 4 Nov: the first Monday has gone
    view = family.family_attendance(db.uow(readonly=True), klass["parents"][0].id, TZ)
    assert [c.name for c in view.children] == ["Student 0"]
    assert [c.on_date for c in view.children[0].batches[0].classes] == MONDAYS[1:]
    student = family.family_attendance(db.uow(readonly=True), klass["students"][2].id, TZ)
    assert [c.name for c in student.children] == ["Student 2"]  # a student sees their own
    member = make_person(Role.MEMBER, "Mo Member")
    assert family.family_attendance(db.uow(readonly=True), member.id, TZ).children == []
