"""Daily briefs per role; nobody gets an empty one, nobody gets two on the same day."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.fees import brief as fee_brief
from domain.homework import brief as homework_brief
from domain.inbox import services as inbox
from domain.models import (
    AttendanceRecord,
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    Mark,
    Notification,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    SessionStatus,
)
from domain.ops import insights
from domain.outbox import Intent, NotificationKind, enqueue
from domain.risk.brief import high_risk_items
from domain.rules import DEFAULT_RULES, rule_in
from domain.tasks.queries import (
    TaskFilter,
    count_tasks,
    filter_conditions,
    row_select,
    urgency_order,
)
from domain.timeparse import parse_hhmm
from domain.uow import UnitOfWork
from domain.words import plural


@dataclass
class Brief:
    person_id: int
    day: date
    sections: list[dict[str, object]] = field(default_factory=list)

    def add(self, title: str, items: list[str]) -> None:
        if items:
            self.sections.append({"title": title, "items": items})

    @property
    def empty(self) -> bool:
        return not self.sections


def _local_day_bounds(day: date, tz: str) -> tuple[datetime, datetime]:
    start = datetime.combine(day, datetime.min.time(), ZoneInfo(tz))
    return start, start + timedelta(days=1)


URGENT_SHOWN = 5  # urgent tasks named in a brief; the rest are counted


def _my_tasks(s: Session, person: Person, now: datetime, day_end: datetime) -> list[str]:
    """The person's urgent tasks (overdue or due today), counted as the console and /tasks count them."""
    urgent = TaskFilter(assignee_id=person.id, open_only=True, due_to=day_end)
    rows = s.execute(row_select().where(*filter_conditions(urgent, now))
                     .order_by(*urgency_order(now)).limit(URGENT_SHOWN)).all()
    items = [f"{r.title} ({'overdue' if r.due_at < now else 'due today'})" for r in rows]
    n_urgent = count_tasks(s, None, urgent, now)
    if n_urgent > len(items):
        items.append(f"and {n_urgent - len(items)} more due today or overdue")
    n_open = count_tasks(s, None, TaskFilter(assignee_id=person.id, open_only=True), now)
    if n_open > n_urgent:
        items.append(f"{plural(n_open, 'open task')} in all: /tasks")
    return items if n_urgent else []  # nothing pressing: no section (an empty brief is not sent)


def _classes(s: Session, batch_ids: list[int], day: date, tz: str) -> list[str]:
    if not batch_ids:
        return []
    rows = s.execute(select(Batch.name, ClassSession.starts_at).join(Batch, Batch.id == ClassSession.batch_id)
                     .where(ClassSession.batch_id.in_(batch_ids), ClassSession.on_date == day)
                     .order_by(ClassSession.starts_at)).all()
    return [f"{name} at {starts.astimezone(ZoneInfo(tz)):%H:%M}" for name, starts in rows]


def compose(uow: UnitOfWork, person_id: int, org_tz: str) -> Brief:
    """A person's brief for their local today: the sections their role gets."""
    with uow:
        s, now = uow.session, uow.now
        person = s.get(Person, person_id)
        assert person is not None
        tz = person.timezone or org_tz
        day = now.astimezone(ZoneInfo(tz)).date()
        _day_start, day_end = _local_day_bounds(day, tz)
        brief = Brief(person_id, day)
        if person.role in (Role.TEACHER, Role.ADMIN):
            batches = list(s.scalars(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person_id)))
            brief.add("Today's classes", _classes(s, batches, day, tz))
            if batches:
                absentees = s.execute(
                    select(Person.name, Batch.name).join(AttendanceRecord, AttendanceRecord.student_id == Person.id)
                    .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
                    .join(Batch, Batch.id == ClassSession.batch_id)
                    .where(ClassSession.batch_id.in_(batches), ClassSession.on_date == day - timedelta(days=1),
                           AttendanceRecord.mark == Mark.ABSENT).order_by(Person.name)).all()
                brief.add("Absent yesterday", [f"{n} ({b})" for n, b in absentees])
                brief.add("High-risk students", high_risk_items(s, person))
            actions = inbox.open_count(s, person_id)  # what /inbox and the console's Inbox list
            if actions:
                brief.add("Inbox", [f"{plural(actions, 'open item')}: /inbox"])
            reviews = count_tasks(s, person, TaskFilter(awaiting_review=True), now)  # the console's filter
            if reviews:
                brief.add("Reviews waiting", [f"{plural(reviews, 'task')} awaiting your review"])
            brief.add("Your tasks", _my_tasks(s, person, now, day_end))
        if person.role == Role.ADMIN:
            week_ago = now - timedelta(days=7)
            week = insights.totals(s, person, *insights.last_days(7, now, tz), now)  # the console's 7 days
            present, marked = s.execute(select(
                func.sum(case((AttendanceRecord.mark == Mark.PRESENT, 1), else_=0)), func.count())
                .where(AttendanceRecord.marked_at >= week_ago)).one()
            missed = s.scalar(select(func.count()).select_from(ClassSession).where(
                ClassSession.status == SessionStatus.MISSED, ClassSession.starts_at >= week_ago)) or 0
            items = []
            if week.assigned:
                items.append(f"Tasks this week: {week.completed} of {plural(week.assigned, 'task')} done")
            overdue = count_tasks(s, person, TaskFilter(overdue=True), now)  # the console's Overdue filter
            if overdue:
                items.append(f"Overdue now: {plural(overdue, 'task')}")
            if marked:
                items.append(f"Attendance this week: {100 * int(present or 0) // marked}%")
            if missed:
                items.append(f"Classes with no attendance taken: {missed}")
            brief.add("Organisation", items)
        for title, items in fee_brief.sections(s, person, day):  # admin totals, a teacher's batches
            brief.add(title, items)
        if person.role in (Role.MEMBER, Role.STUDENT):
            brief.add("Your tasks", _my_tasks(s, person, now, day_end))
            batches = list(s.scalars(select(Enrolment.batch_id).where(Enrolment.student_id == person_id)))
            brief.add("Today's classes", _classes(s, batches, day, tz))
        brief.add("Homework due soon", homework_brief.due_soon(s, person, now, tz))
        if person.role == Role.PARENT and day.weekday() == 0:  # a weekly summary, on Mondays
            week_start = day - timedelta(days=7)
            for child_id, child_name in s.execute(select(Person.id, Person.name).join(
                    ParentLink, ParentLink.child_id == Person.id).where(ParentLink.parent_id == person_id)).all():
                present, marked = s.execute(select(
                    func.sum(case((AttendanceRecord.mark == Mark.PRESENT, 1), else_=0)), func.count())
                    .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
                    .where(AttendanceRecord.student_id == child_id, ClassSession.on_date >= week_start,
                           ClassSession.on_date < day)).one()
                open_tasks = count_tasks(s, None, TaskFilter(assignee_id=child_id, open_only=True), now)
                items = []
                if marked:
                    items.append(f"attended {int(present or 0)} of {plural(marked, 'class', 'classes')} last week")
                if open_tasks:
                    items.append(f"{plural(open_tasks, 'piece')} of work open")
                brief.add(child_name, items)
    return brief


def brief_window(session: Session) -> timedelta:
    """How long after the brief time a brief may still go (rule `brief.window_hours`; a bad value: 3 h)."""
    try:
        hours = float(rule_in(session, "brief.window_hours"))
    except (TypeError, ValueError):
        hours = float(DEFAULT_RULES["brief.window_hours"])
    return timedelta(hours=min(max(hours, 0.25), 24.0))


def in_brief_window(local: datetime, at: time, window: timedelta) -> bool:
    """Whether local time is within [brief time, brief time + window) of its own day (never past
    midnight): a brief is for the morning it was meant for, or not at all that day."""
    start = local.replace(hour=at.hour, minute=at.minute, second=0, microsecond=0)
    return start <= local < start + window


def send_due(uow_factory: Callable[[], UnitOfWork], org_tz: str) -> int:
    """Enqueue today's brief for everyone inside their brief window (local time) who has something to
    read and has not had today's (one per person per local date: the dedupe key)."""
    sent = 0
    uow = uow_factory()
    with uow:
        now = uow.now
        at = parse_hhmm(str(rule_in(uow.session, "brief.time")))
        window = brief_window(uow.session)
        people = uow.session.execute(select(Person.id, Person.timezone).where(
            Person.status == PersonStatus.ACTIVE, Person.telegram_chat_id.is_not(None))).all()
        due = []
        for pid, tz in people:
            local = now.astimezone(ZoneInfo(tz or org_tz))
            if in_brief_window(local, at, window):
                due.append((pid, f"brief:{pid}:{local.date().isoformat()}"))
        have = set(uow.session.scalars(select(Notification.dedupe_key).where(
            Notification.dedupe_key.in_([k for _, k in due])))) if due else set()
    for pid, key in due:
        if key in have:
            continue
        brief = compose(uow_factory(), pid, org_tz)
        if brief.empty:
            continue
        w = uow_factory()
        with w:
            enqueue(w.session, [Intent(NotificationKind.BRIEF, pid, key, {"day": brief.day.isoformat(), "sections": brief.sections})],
                    w.now)
            w.commit()
        sent += 1
    return sent
