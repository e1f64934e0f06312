"""classes_of_week: the week /classes shows, the same rows classes_of_day gives day by day, on both databases."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from domain.actors import Actor
from domain.attendance import batches, queries, schedule
from domain.errors import Forbidden
from domain.models import ClassSession, Role, SessionStatus
from tests.auxil.databases import count
from tests.factories import physics_class

SYSTEM = Actor.system()
TZ = "Europe/London"


def test_the_week_is_monday_to_sunday_with_states_and_writes_nothing(db, clock, make_person):
    klass = physics_class(db, make_person, ["Student 0", "Student 1"])  # Mondays 16:00-17:00
    teacher, admin = klass["teacher"], make_person(Role.ADMIN, "Ada Admin")
    batches.add_slot(db.uow(), SYSTEM, klass["batch"].id, weekday=3, start="09:30", duration_minutes=50)
    other = make_person(Role.TEACHER, "Otto Other")
    art = batches.create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[other.id])
    batches.add_slot(db.uow(), SYSTEM, art.id, weekday=6, start="10:00", duration_minutes=45)
    schedule.ensure_sessions(db.uow(), date(2026, 11, 2), date(2026, 11, 2), TZ, klass["batch"].id)
    clock.set(datetime(2026, 11, 4, 12, 0, tzinfo=UTC))  # Wednesday: Monday's class is past, as left
    made = count(db, ClassSession)

    week = queries.classes_of_week(db.uow(readonly=True), Actor.telegram(teacher.id), TZ)
    assert (week.today, week.first, week.last) == (date(2026, 11, 4), date(2026, 11, 2), date(2026, 11, 8))
    assert [(r.on_date, r.batch_name, r.state) for r in week.rows] == [
        (date(2026, 11, 2), "Physics 10", "upcoming"),  # the scheduler never opened it: as it was left
        (date(2026, 11, 5), "Physics 10", "upcoming"),  # planned from the schedule (no row yet)
    ]
    assert week.rows[1].id is None and week.rows[1].starts_at == datetime(2026, 11, 5, 9, 30, tzinfo=UTC)
    assert week.on(date(2026, 11, 4)) == ()
    for day in (week.first + timedelta(days=n) for n in range(7)):  # the same rows as classes_of_day's
        if day >= week.today:
            assert queries.classes_of_day(db.uow(readonly=True), Actor.telegram(teacher.id), day, TZ).rows \
                == week.on(day)
    everyone = queries.classes_of_week(db.uow(readonly=True), Actor.web(admin.id, None), TZ)
    assert [r.batch_name for r in everyone.rows] == ["Physics 10", "Physics 10", "Art 7"]
    assert count(db, ClassSession) == made  # looking writes nothing

    assert {s.value: queries.STATE_WORDS[s] for s in SessionStatus} == {
        "scheduled": "upcoming", "open": "open", "submitted": "taken", "closed": "closed", "missed": "missed"}
    with pytest.raises(Forbidden):
        queries.classes_of_week(db.uow(readonly=True), Actor.telegram(klass["students"][0].id), TZ)
