"""A believable demo organisation, made through the real services with a clock set in the past."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update

from domain.actors import Actor
from domain.alerts import sla_scan
from domain.clock import FixedClock
from domain.groups import services as groups
from domain.models import Notification, NotificationStatus, Person, Priority, Role, RuleConfig
from domain.people import services as people
from domain.tasks import decline
from domain.tasks import services as tasks
from domain.uow import Database
from taskbell.container import Container
from taskbell.demo_classes import seed_classes
from taskbell.demo_desk import seed_desk_history, seed_desk_now
from taskbell.demo_engagement import seed_engagement
from taskbell.demo_fees import seed_fees
from taskbell.demo_homework import seed_homework_history, seed_homework_now
from taskbell.demo_mail import seed_mail
from taskbell.demo_marks import seed_marks
from taskbell.demo_ops import seed_permissions
from taskbell.demo_portal import PORTAL_HINTS, seed_announcements
from taskbell.demo_risk import seed_risk
from taskbell.demo_sla import seed_sla

DEMO_MARKER = "demo.seeded"
FIRST_STEP = ("Be Daniel Okafor (teacher) first: send /attendance, Take attendance, press Chidi Eze, Submit; "
              "then be Ngozi Eze (his parent) and read her message")


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
    DemoPerson("raj", "Raj Malhotra", "+447700900006", Role.MEMBER, 100006),
    DemoPerson("kofi", "Kofi Mensah", "+447700900007", Role.MEMBER, 100007),
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

# What the sandbox's chat page says under each person: their role and what to try (Telegram never sees it).
HINTS = {
    "admin": "Admin. Try /alerts, /queue, /inbox, /enrol, /fees; /web for the console (Tickets, Queue, SLA, "
             "Batches, Fees, Settings, Delivery). Tom declined a task: Reassign it. Referrals: invite Zara Khan; Marks.",
    "daniel": "Teacher, Year 10 Physics (open now). Start here: /attendance, Take attendance, press Chidi Eze, Submit. "
              "Mark Emre Kaya absent too: his father Deniz has no Telegram and gets an email (the Mailbox tab). "
              "Console Risk: Chidi is at high risk (attendance, homework, a fee overdue); his page shows the message "
              "for his parents before you send it.",
    "meera": "Teacher, Year 11 Maths (later today) and Year 9 Biology. Try /inbox: a missed class, Emre's streak, "
             "Emre at high risk (console: Risk); /homework: hand-ins per batch, Open and Review. "
             "She chose Telegram and email for tasks: the Mailbox tab has her copy. She is granted classes.manage: "
             "/web, then the console's Batches lets her add a batch.",
    "tom": "Facilities crew. Try /tasks: Start, Complete or Decline a task; reply to a ticket message to answer.",
    "lena": "Facilities lead. A new request waits: Accept, Reject or Assign…; /tickets for the team's queue, "
            "/queue for open items by time to breach.",
    "raj": "Operations lead. A new escalation waits (booking BK-20388): Accept or Assign…; try /tickets and /queue. "
           "He is granted alerts.broadcast: /web, then Alerts, Announce.",
    "kofi": "Crew on Facilities and Operations. Try /tasks, then Complete; /tickets shows what you work on.",
    "s1": "Student, Physics and Biology. Try /tasks and press Start; /request (or send a photo) to report a problem; "
          "/marks for test results, /refer to refer a friend.",
    "s2": "Student, Physics and Biology. Try /tasks; /absent to excuse a class ahead.",
    "s3": "Student, Physics: drifting into absences. Try /tasks.",
    "s4": "Student, Physics and Maths. Try /homework: Maths is due tomorrow; hand in a photo of your working.",
    "s5": "Student, Maths: missed the last three classes. Try /absent.",
    "s6": "Student, Maths. Try /tasks.",
    "s7": "Student, Maths and Biology: has stopped coming (medium risk on Meera's Risk page: his homework and "
          "marks hold him up). Try /tasks.",
    "s8": "Student, Maths and Biology: never missed a class. Try /tasks.",
    "p1": "Parent of Aarav. Try /web: his attendance, class by class; /marks for his test results; /fees: paid up, "
          "receipts here. Leo, whom she referred, has just enrolled: her thanks is in the chat.",
    "p2": "Parent of Bea. Try /absent to excuse her from a class.",
    "p3": "Parent of Chidi. His absence message arrives here when Daniel submits the sheet: reply to it to reach "
          "Daniel; /web for his attendance.",
    "p4": "Parent of Dana. Try /web.",
    "p5": "Parent of Emre. Try /web: his Maths attendance; /fees: his fees are overdue (reminders here).",
    "p6": "Parent of Farah. Try /absent.",
}


def sandbox_hints() -> dict[int, str]:
    """Telegram user id -> the chat page's hint for every demo person."""
    return {p.telegram_id: HINTS[p.key] + PORTAL_HINTS.get(p.key, "") for p in PEOPLE if p.key in HINTS}


def is_seeded(container: Container) -> bool:
    with container.db.uow(readonly=True) as uow:
        return uow.session.scalar(select(RuleConfig.id).where(RuleConfig.key == DEMO_MARKER)) is not None


def seed(container: Container) -> str:
    real = container.db
    clock = FixedClock(real.clock.now() - timedelta(days=28))
    db = Database(real.engine, real.session_factory, clock, email_enabled=real.email_enabled)
    system = Actor.system()

    ids: dict[str, int] = {}
    for p in PEOPLE:
        person = people.add_person(db.uow(), system, name=p.name, phone=p.phone, role=p.role,
                                   existing_ok=True).person
        people.link_telegram(db.uow(), phone=p.phone, telegram_user_id=p.telegram_id, chat_id=p.telegram_id)
        ids[p.key] = person.id
    for i in range(1, 7):
        people.link_parent(db.uow(), system, ids[f"p{i}"], ids[f"s{i}"])
    # Chidi's father was invited but never opened his link: what he should hear shows on Delivery.
    kwame = people.add_person(db.uow(), system, name="Kwame Eze", phone="+447700900207", role=Role.PARENT,
                              existing_ok=True).person
    people.link_parent(db.uow(), system, kwame.id, ids["s3"])
    seed_mail(db, ids)  # Emre's father by email only; Meera by Telegram and email

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

    now = real.clock.now()
    classes = seed_classes(db, clock, now, container.settings.timezone, ids)
    clock.set(now - timedelta(days=6))
    desk_teams = seed_desk_history(db, clock, ids, container.attachments)
    sla_summary = seed_sla(db, clock, ids, desk_teams, now, container.settings.timezone)
    fees_summary = seed_fees(db, clock, ids, now, container.settings.timezone)
    clock.set(now - timedelta(hours=1))  # Tom got this an hour ago (history); he declines it below
    [tap] = assign("admin", "Fix the dripping tap in Lab 2", people_=["tom"], due_days=1)
    homework_past = seed_homework_history(db, clock, ids, now)
    with db.uow() as uow:  # weeks of history are not news: only today's class sheet and what follows is sent
        uow.session.execute(update(Notification).where(Notification.created_at < now - timedelta(minutes=1)).values(
            status=NotificationStatus.SENT, sent_at=Notification.created_at, last_error="demo history"))
        uow.commit()

    clock.set(now)
    assign("admin", "Submit monthly safety report", people_=["daniel", "meera"], due_days=2,
           priority=Priority.URGENT)
    decline.decline_task(db.uow(), Actor.telegram(ids["tom"]), tap.id, "Not my area: this needs a plumber.")
    desk_summary = seed_desk_now(db, ids, desk_teams)
    news = seed_announcements(db, ids)  # to Year 9 Biology and to all parents: in their chats at start
    marks_summary = seed_marks(db, ids, now.astimezone(ZoneInfo(container.settings.timezone)).date())
    homework_now = seed_homework_now(db, clock, ids, now, container.settings.timezone)
    risk_summary = seed_risk(db)  # last, over every factor: moves into high risk reach the teachers' chats
    announced = sla_scan.scan(db.uow())  # the at-risk and breached demo tickets' alerts, for /alerts
    grants = seed_permissions(db, ids)  # Meera: classes.manage; Raj: alerts.broadcast
    crew = seed_engagement(db, ids["admin"])  # the scheduler trains on it in the background at start
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope="global", key=DEMO_MARKER, value={"value": True},
                                   updated_at=uow.now))
        uow.commit()
    return (f"{len(PEOPLE)} people, 3 groups, {counts['assignments'] + 2} assignments, "
            f"{counts['tasks'] + 3} tasks over four weeks, {classes}, {risk_summary}, {desk_summary}, {sla_summary}, "
            f"{announced.at_risk + announced.breached} SLA alerts, {news}, {marks_summary}, {grants}, "
            f"{homework_past}, {homework_now}, {crew}, {fees_summary}")
