"""A believable demo organisation, made through the real services with a clock set in the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from domain.actors import Actor
from domain.attendance import batches, pipeline, schedule
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.clock import FixedClock
from domain.groups import services as groups
from domain.models import Mark, Notification, NotificationStatus, Person, Priority, Role, RuleConfig
from domain.people import services as people
from domain.tasks import services as tasks
from domain.uow import Database
from taskbell.container import Container

DEMO_MARKER = "demo.seeded"


@dataclass(frozen=True)
class DemoPerson:
    key: str
    name: str
    phone: str
    role: Role
    telegram_id: int


# +44 7700 900xxx is Ofcom's range reserved for fiction: no real person is messaged.
PEOPLE = [
    DemoPerson("admin", "Asha Rao", "+447700900001", Role.ADMIN, 100001),
    DemoPerson("daniel", "Daniel Okafor", "+447700900002", Role.TEACHER, 100002),
    DemoPerson("meera", "Meera Shah", "+447700900003", Role.TEACHER, 100003),
    DemoPerson("tom", "Tom Becker", "+447700900004", Role.MEMBER, 100004),
    DemoPerson("lena", "Lena Fischer", "+447700900005", Role.MEMBER, 100005),
    *[
        DemoPerson(f"s{i}", name, f"+4477009001{i:02d}", Role.STUDENT, 100100 + i)
        for i, name in enumerate(
            ["Aarav Patel", "Bea Lind", "Chidi Eze", "Dana Cohen", "Emre Kaya",
             "Farah Ali", "Gus Moreno", "Hana Sato"], start=1)
    ],
    *[
        DemoPerson(f"p{i}", name, f"+4477009002{i:02d}", Role.PARENT, 100200 + i)
        for i, name in enumerate(
            ["Priya Patel", "Olof Lind", "Ngozi Eze", "Ruth Cohen", "Selin Kaya", "Omar Ali"], start=1)
    ],
]


def is_seeded(container: Container) -> bool:
    with container.db.uow(readonly=True) as uow:
        return uow.session.scalar(select(RuleConfig.id).where(RuleConfig.key == DEMO_MARKER)) is not None


def seed(container: Container) -> str:
    real = container.db
    clock = FixedClock(real.clock.now() - timedelta(days=28))
    db = Database(real.engine, real.session_factory, clock)
    system = Actor.system()

    ids: dict[str, int] = {}
    for p in PEOPLE:
        person = people.add_person(db.uow(), system, name=p.name, phone=p.phone, role=p.role,
                                   existing_ok=True).person
        people.link_telegram(db.uow(), phone=p.phone, telegram_user_id=p.telegram_id, chat_id=p.telegram_id)
        ids[p.key] = person.id
    for i in range(1, 7):
        people.link_parent(db.uow(), system, ids[f"p{i}"], ids[f"s{i}"])

    physics = groups.create_group(db.uow(), Actor.telegram(ids["daniel"]), "Year 10 Physics",
                                  [ids[f"s{i}"] for i in range(1, 6)])
    maths = groups.create_group(db.uow(), Actor.telegram(ids["meera"]), "Year 11 Maths",
                                [ids[f"s{i}"] for i in range(4, 9)])
    ops = groups.create_group(db.uow(), Actor.telegram(ids["admin"]), "Facilities",
                              [ids["tom"], ids["lena"]])

    def assign(by: str, title: str, *, group: int | None = None, people_: list[str] = (),
               due_days: float = 3, priority: Priority = Priority.NORMAL, review: bool = False) -> list[Person]:
        spec = tasks.AssignmentSpec(
            title=title, description=f"{title}. Ask in the chat if anything is unclear.",
            group_ids=[group] if group else [], person_ids=[ids[k] for k in people_],
            due_at=clock.now() + timedelta(days=due_days), priority=priority, requires_review=review)
        result = tasks.assign(db.uow(), Actor.web(ids[by], "127.0.0.1"), spec)
        with db.uow(readonly=True) as uow:
            from domain.models import Task
            return list(uow.session.scalars(select(Task).where(Task.assignment_id == result.assignment_id)
                                            .order_by(Task.id)))

    counts = {"assignments": 0, "tasks": 0}
    week_titles = [
        ("daniel", "Kinematics worksheet", physics.id, True),
        ("meera", "Quadratics practice set", maths.id, False),
        ("admin", "Check fire extinguishers", ops.id, False),
    ]
    for week in range(4):
        clock.set(real.clock.now() - timedelta(days=28 - 7 * week))
        for by, title, group, review in week_titles:
            made = assign(by, f"{title} (week {week + 1})", group=group, due_days=4 if week < 3 else 6,
                          priority=Priority.HIGH if week == 3 else Priority.NORMAL, review=review)
            counts["assignments"] += 1
            counts["tasks"] += len(made)
            for n, task in enumerate(made):
                who = Actor.telegram(task.assignee_id)
                clock.advance(hours=2 + n)
                if week == 3 and n % 3 == 0:
                    continue  # still pending
                tasks.start_task(db.uow(), who, task.id)
                if week == 3 and n % 3 == 1:
                    continue  # in progress
                clock.advance(hours=5)
                if week < 3 and n == len(made) - 1 and not review:
                    tasks.cancel_task(db.uow(), Actor.telegram(task.assigner_id), task.id, "No longer needed")
                    continue
                tasks.complete_task(db.uow(), who, task.id)
                if review:
                    clock.advance(hours=3)
                    if n == 1 and week == 2:
                        tasks.reopen_task(db.uow(), Actor.telegram(task.assigner_id), task.id,
                                          "Show your working for question 4")
                    elif week < 3:
                        tasks.approve_task(db.uow(), Actor.telegram(task.assigner_id), task.id)
            clock.set(real.clock.now() - timedelta(days=28 - 7 * week))

    classes = _seed_classes(db, clock, real.clock.now(), container.settings.timezone, ids)

    clock.set(real.clock.now() - timedelta(hours=1))
    assign("admin", "Submit monthly safety report", people_=["daniel", "meera"], due_days=2,
           priority=Priority.URGENT)
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="global", key=DEMO_MARKER, value={"value": True},
                                   updated_at=uow.now))
        # Weeks of history are not news: only the last hour's notifications get delivered.
        uow.session.execute(update(Notification).where(
            Notification.created_at < real.clock.now() - timedelta(hours=2)).values(
            status=NotificationStatus.SENT, sent_at=Notification.created_at, last_error="demo history"))
        uow.commit()
    return (f"{len(PEOPLE)} people, 3 groups, {counts['assignments'] + 1} assignments, "
            f"{counts['tasks'] + 2} tasks over four weeks, {classes}")


def _seed_classes(db: Database, clock: FixedClock, now: datetime, tz: str, ids: dict[str, int]) -> str:
    """Two classes with a weekly schedule and two weeks of attendance: taken (with absences the parents
    heard of), one class missed (an inbox item for the teacher), and today's class about to open."""
    system = Actor.system()
    local_now = now.astimezone(ZoneInfo(tz))
    start = (local_now + timedelta(minutes=20)).replace(second=0, microsecond=0)
    first_day = local_now.date() - timedelta(days=14)
    physics = batches.create_batch(db.uow(), system, name="Year 10 Physics", subject="Physics", level="Year 10",
                                   teacher_ids=[ids["daniel"]])
    maths = batches.create_batch(db.uow(), system, name="Year 11 Maths", subject="Maths", level="Year 11",
                                 teacher_ids=[ids["meera"]])
    for weekday in range(6):  # Monday to Saturday, today's class starting in 20 minutes
        batches.add_slot(db.uow(), system, physics.id, weekday=weekday, start=start.time(), duration_minutes=60)
    for weekday in (0, 2, 4):
        batches.add_slot(db.uow(), system, maths.id, weekday=weekday, start="07:30", duration_minutes=60)
    for i in range(1, 6):
        batches.enrol(db.uow(), system, physics.id, ids[f"s{i}"], first_day)
    for i in range(4, 9):
        batches.enrol(db.uow(), system, maths.id, ids[f"s{i}"], first_day)
    taken = missed = 0
    days = [local_now.date() - timedelta(days=back) for back in range(14, 0, -1)]
    untaken = max(d for d in days if d.weekday() in (0, 2, 4))  # the last maths class: nobody takes it
    for day in days:
        clock.set(datetime.combine(day, time(0, 0), ZoneInfo(tz)).astimezone(UTC))
        schedule.ensure_sessions(db.uow(), day, day, tz)
        for hour in range(24):  # walk the day: classes open, are taken (or not) and close
            clock.set(datetime.combine(day, time(hour, 0), ZoneInfo(tz)).astimezone(UTC))
            for session_id in schedule.open_due(db.uow()):
                info = att_queries.session_info(db.uow(readonly=True), session_id)
                teacher = ids["daniel"] if info.batch_id == physics.id else ids["meera"]
                if day == untaken and info.batch_id == maths.id:
                    continue  # nobody took this one: it will be missed
                roster = att_sheet.sheet(db.uow(readonly=True), Actor.telegram(teacher), session_id).rows
                marks = {row.student_id: Mark.ABSENT if (row.student_id + day.day) % 7 == 0 else Mark.PRESENT
                         for row in roster}
                att_sheet.submit(db.uow(), Actor.telegram(teacher), session_id, marks)
                taken += 1
            missed += pipeline.auto_close(db.uow(), tz).get("missed", 0)
    clock.set(now - timedelta(minutes=5))
    schedule.ensure_sessions(db.uow(), local_now.date(), local_now.date() + timedelta(days=7), tz)
    return f"2 classes ({taken} taken, {missed} missed in the last two weeks)"
