"""Quiet hours hold every kind that is not urgent, by the recipient's own zone, when written and when claimed."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

from sqlalchemy import select, update

from domain import outbox
from domain.actors import Actor
from domain.models import Notification, NotificationStatus, Person, Priority, Role, RuleConfig
from domain.outbox import Intent, NotificationKind, enqueue
from domain.tasks import services as tasks
from domain.uow import Database


def london(db) -> Database:
    """The test database as the container builds it: with the organisation's time zone."""
    return Database.from_engine(db.engine, db.clock, timezone="Europe/London")


def write(db, person, kind, key, **extra) -> None:
    with db.uow() as uow:
        enqueue(uow.session, [Intent(kind, person.id, key, {}, **extra)], uow.now)
        uow.commit()


def due_at(db, key) -> datetime:
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(Notification.next_attempt_at).where(Notification.dedupe_key == key))


def claimed(db) -> set[str]:
    """The keys the delivery loop would send now (recorded as sent)."""
    with db.uow(readonly=True) as uow:
        keys = {i: k for i, k in uow.session.execute(select(Notification.id, Notification.dedupe_key))}
    got = outbox.claim_due(db.uow())
    outbox.mark_sent_many(db.uow(), [(d.id, d.chat_id, 1, False) for d in got])
    return {keys[d.id] for d in got}


def aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def set_zone(db, person, tz: str | None = None, start: time | None = None, end: time | None = None) -> None:
    with db.uow() as uow:
        uow.session.execute(update(Person).where(Person.id == person.id).values(
            timezone=tz, quiet_start=start, quiet_end=end))
        uow.commit()


def test_written_in_quiet_hours_every_non_urgent_kind_waits_for_the_morning(db, make_person, clock):
    db = london(db)
    student, parent, admin = make_person(Role.STUDENT), make_person(Role.PARENT), make_person(Role.ADMIN)
    clock.set(datetime(2026, 11, 2, 22, 30, tzinfo=UTC))  # 22:30 London (GMT): quiet until 07:00
    held = {"task_assigned": student, "absence": parent, "admin_alert": admin, "overdue_digest": admin,
            "brief": student}
    for kind, person in held.items():
        write(db, person, NotificationKind(kind), kind)
    write(db, student, NotificationKind.LOGIN_CODE, "login_code")
    write(db, admin, NotificationKind.ATTENDANCE_SHEET, "attendance_sheet")
    morning = datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
    assert {k: aware(due_at(db, k)) for k in held} == dict.fromkeys(held, morning)
    assert claimed(db) == {"login_code", "attendance_sheet"}  # urgent ones pass
    clock.set(morning - timedelta(minutes=1))
    assert claimed(db) == set()
    clock.set(morning)
    assert claimed(db) == set(held)


def test_an_urgent_task_passes_a_normal_one_waits(db, make_person, clock):
    db = london(db)
    admin, student = make_person(Role.ADMIN), make_person(Role.STUDENT)
    clock.set(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))
    for title, priority in (("Normal", Priority.NORMAL), ("Urgent", Priority.URGENT)):
        tasks.assign(db.uow(), Actor.telegram(admin.id), tasks.AssignmentSpec(
            title=title, person_ids=[student.id], priority=priority))
    claimed = outbox.claim_due(db.uow())
    assert [d.recipient_id for d in claimed if d.kind == "alert"] == [admin.id]  # its urgent alert passes too
    got = [d for d in claimed if d.kind != "alert"]
    assert len(got) == 1
    with db.uow(readonly=True) as uow:
        rows = {n.id: n for n in uow.session.scalars(select(Notification).where(Notification.kind != "alert"))}
    assert rows[got[0].id].data["task_id"] == got[0].subject_id
    assert len(rows) == 2 and any(aware(n.next_attempt_at) == datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
                                  for n in rows.values())


def test_written_before_quiet_hours_and_claimed_during_them_waits(db, make_person, clock):
    db = london(db)
    student = make_person(Role.STUDENT)
    clock.set(datetime(2026, 11, 2, 20, 59, tzinfo=UTC))
    write(db, student, NotificationKind.TASK_ASSIGNED, "late")
    clock.set(datetime(2026, 11, 2, 21, 1, tzinfo=UTC))  # the loop was busy or down: claimed at 21:01
    assert claimed(db) == set()
    with db.uow(readonly=True) as uow:
        row = uow.session.scalars(select(Notification)).one()
    assert row.status == NotificationStatus.PENDING and row.attempts == 0
    assert aware(row.next_attempt_at) == datetime(2026, 11, 3, 7, 0, tzinfo=UTC)
    clock.set(datetime(2026, 11, 3, 7, 0, tzinfo=UTC))
    assert claimed(db) == {"late"}


def test_the_recipients_own_zone_and_hours_decide(db, make_person, clock):
    db = london(db)
    kolkata, owl, default = make_person(Role.STUDENT), make_person(Role.STUDENT), make_person(Role.STUDENT)
    set_zone(db, kolkata, "Asia/Kolkata")
    set_zone(db, owl, None, time(2, 0), time(10, 0))  # an owl: quiet from 02:00 to 10:00
    clock.set(datetime(2026, 11, 2, 18, 0, tzinfo=UTC))  # 18:00 London; 23:30 in Kolkata
    for p in (kolkata, owl, default):
        write(db, p, NotificationKind.TASK_ASSIGNED, f"evening:{p.id}")
    assert claimed(db) == {f"evening:{owl.id}", f"evening:{default.id}"}
    assert aware(due_at(db, f"evening:{kolkata.id}")) == datetime(2026, 11, 3, 1, 30, tzinfo=UTC)  # 07:00 IST
    clock.set(datetime(2026, 11, 3, 6, 0, tzinfo=UTC))  # 06:00 London: the owl is asleep, Kolkata awake
    for p in (kolkata, owl, default):
        write(db, p, NotificationKind.ABSENCE, f"dawn:{p.id}")
    assert claimed(db) == {f"evening:{kolkata.id}", f"dawn:{kolkata.id}"}
    assert aware(due_at(db, f"dawn:{owl.id}")) == datetime(2026, 11, 3, 10, 0, tzinfo=UTC)
    assert aware(due_at(db, f"dawn:{default.id}")) == datetime(2026, 11, 3, 7, 0, tzinfo=UTC)


def test_the_organisations_rule_sets_the_default_hours(db, make_person, clock):
    db = london(db)
    student = make_person(Role.STUDENT)
    with db.uow() as uow:  # (the Settings page writes this row)
        uow.session.add(RuleConfig(scope="global", key="quiet_hours.start", value={"value": "18:00"},
                                   updated_at=uow.now))
        uow.commit()
    clock.set(datetime(2026, 11, 2, 19, 0, tzinfo=UTC))
    write(db, student, NotificationKind.TASK_ASSIGNED, "evening")
    assert claimed(db) == set()


def test_the_same_start_and_end_turns_quiet_hours_off(db, make_person, clock):
    from tests.auxil.databases import without_quiet_hours

    db = without_quiet_hours(london(db))
    student = make_person(Role.STUDENT)
    clock.set(datetime(2026, 11, 2, 23, 0, tzinfo=UTC))
    write(db, student, NotificationKind.TASK_ASSIGNED, "night")
    assert claimed(db) == {"night"}
