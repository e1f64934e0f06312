"""The morning brief goes within its window after the brief time, or not at all that day; one a day."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select, update

from domain.actors import Actor
from domain.models import Notification, Person, Role, RuleConfig
from domain.reminders import briefs
from domain.tasks import services as tasks

TZ = "Europe/London"


def briefs_of(db, *people) -> list[tuple[int, str]]:
    """(recipient, day) of the briefs written for these people, in order."""
    with db.uow(readonly=True) as uow:
        return [(n.recipient_id, n.data["day"]) for n in uow.session.scalars(
            select(Notification).where(Notification.kind == "brief",
                                       Notification.recipient_id.in_([p.id for p in people]))
            .order_by(Notification.id))]


def with_work(db, make_person, clock, role=Role.STUDENT):
    """A person with an open task due today, so their brief is not empty."""
    admin, person = make_person(Role.ADMIN), make_person(role)
    tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
        title="Homework", person_ids=[person.id], due_at=clock.now() + timedelta(hours=10)))
    return person


def test_a_start_in_the_evening_sends_no_brief_for_today(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))
    person = with_work(db, make_person, clock)
    clock.set(datetime(2026, 11, 2, 21, 0, tzinfo=UTC))  # the process starts at 21:00 London
    assert briefs.send_due(db.uow, TZ) == 0
    clock.set(datetime(2026, 11, 3, 7, 29, tzinfo=UTC))  # the next morning, a minute early
    assert briefs.send_due(db.uow, TZ) == 0
    clock.set(datetime(2026, 11, 3, 7, 30, tzinfo=UTC))
    assert briefs.send_due(db.uow, TZ) >= 1 and briefs_of(db, person) == [(person.id, "2026-11-03")]


def test_the_window_is_a_rule_and_nobody_gets_two_a_day(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 5, 0, tzinfo=UTC))
    person = with_work(db, make_person, clock)
    clock.set(datetime(2026, 11, 2, 10, 29, tzinfo=UTC))  # 07:30 + 3 h: the last minute of the window
    assert briefs.send_due(db.uow, TZ) >= 1 and briefs_of(db, person) == [(person.id, "2026-11-02")]
    for minutes in (1, 30, 120):  # later runs that day (a restart, every five minutes): none again
        clock.set(datetime(2026, 11, 2, 10, 29, tzinfo=UTC) + timedelta(minutes=minutes))
        assert briefs.send_due(db.uow, TZ) == 0
    clock.set(datetime(2026, 11, 3, 10, 30, tzinfo=UTC))  # next day, just past the window: none
    assert briefs.send_due(db.uow, TZ) == 0
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="global", key="brief.window_hours", value={"value": 5}, updated_at=uow.now))
        uow.commit()
    assert briefs.send_due(db.uow, TZ) >= 1  # with a 5 h window it is still time
    assert briefs.send_due(db.uow, TZ) == 0
    assert briefs_of(db, person) == [(person.id, "2026-11-02"), (person.id, "2026-11-03")]


def test_each_person_by_their_own_morning(db, make_person, clock):
    clock.set(datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    london, kolkata = with_work(db, make_person, clock), with_work(db, make_person, clock)
    with db.uow() as uow:
        uow.session.execute(update(Person).where(Person.id == kolkata.id).values(timezone="Asia/Kolkata"))
        uow.commit()
    clock.set(datetime(2026, 11, 2, 2, 30, tzinfo=UTC))  # 08:00 in Kolkata, 02:30 in London
    briefs.send_due(db.uow, TZ)
    assert briefs_of(db, london, kolkata) == [(kolkata.id, "2026-11-02")]
    clock.set(datetime(2026, 11, 2, 8, 0, tzinfo=UTC))  # 08:00 London, 13:30 Kolkata (past its window)
    briefs.send_due(db.uow, TZ)
    assert briefs_of(db, london, kolkata) == [(kolkata.id, "2026-11-02"), (london.id, "2026-11-02")]
