"""After class: one idempotent pipeline, auto-close and nagging late teachers."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.alerts import kinds as alert_kinds
from domain.attendance.mending import mend_sheets
from domain.attendance.schedule import grace, teachers_of
from domain.models import (
    ActionStatus,
    AttendanceRecord,
    Batch,
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    PendingAction,
    Person,
    Role,
    SessionStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork
from domain.words import when_text

# --- after class: one pipeline, idempotent ------------------------------------------------

def post_class(session: Session, cs: ClassSession, now: datetime) -> None:
    """Parents of absentees told; streaks and low attendance raise inbox items. Runs once per session."""
    claimed = session.execute(update(ClassSession).where(
        ClassSession.id == cs.id, ClassSession.post_class_at.is_(None)).values(post_class_at=now)
        .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return
    batch = session.get(Batch, cs.batch_id)
    assert batch is not None
    records = list(session.scalars(select(AttendanceRecord).where(AttendanceRecord.session_id == cs.id)))
    absent = [r.student_id for r in records if r.mark == Mark.ABSENT]
    intents: list[Intent] = []
    if absent:
        for parent_id, child_id in session.execute(select(ParentLink.parent_id, ParentLink.child_id).where(
                ParentLink.child_id.in_(absent))):
            intents.append(Intent(NotificationKind.ABSENCE, parent_id, f"absence:{cs.id}:{child_id}:{parent_id}",
                                  {"session_id": cs.id, "student_id": child_id}, "session", cs.id))
    scope = f"batch:{batch.id}"
    streak_n = int(rule_in(session, "attendance.absence_streak", scope))
    missing = not_attended(session, scope)
    teachers = teachers_of(session, batch.id)
    for r in records:
        if r.mark not in missing:
            continue
        name = session.scalar(select(Person.name).where(Person.id == r.student_id))
        last = list(session.scalars(
            select(AttendanceRecord.mark).join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
            .join(Enrolment, and_(Enrolment.batch_id == ClassSession.batch_id,
                                  Enrolment.student_id == AttendanceRecord.student_id))
            .where(AttendanceRecord.student_id == r.student_id, ClassSession.batch_id == batch.id,
                   ClassSession.on_date >= Enrolment.enrolled_on)
            .order_by(ClassSession.starts_at.desc()).limit(streak_n)))
        if len(last) == streak_n and all(m in missing for m in last):
            summary = f"{name} was marked {_marked(missing)} in each of the last {streak_n} classes of {batch.name}."
            _raise_action(session, intents, "absence_streak", teachers, batch.id, cs.id, r.student_id, summary,
                          f"streak:{batch.id}:{r.student_id}:{cs.id}", now)
        attended, counted = attendance_counts(session, r.student_id, batch.id, cs.on_date, missing)
        threshold = int(rule_in(session, "attendance.low_threshold_percent", scope))
        enough = int(rule_in(session, "attendance.low_min_sessions", scope))
        if counted >= max(enough, 1) and 100 * attended < threshold * counted:
            week = cs.on_date.isocalendar()
            _raise_action(session, intents, "low_attendance", teachers, batch.id, cs.id, r.student_id,
                          f"{name} attended {attended} of {counted} classes of {batch.name} in the last "
                          f"{WINDOW_DAYS} days ({100 * attended / counted:.0f}%).",
                          f"low:{r.student_id}:{week.year}-{week.week}", now)
    enqueue(session, intents, now)


WINDOW_DAYS = 30  # the low-attendance rule looks this far back
INFO_KINDS = ("absence_streak", "low_attendance")  # also alerts (domain.alerts); the inbox keeps the action


def not_attended(session: Session, scope: str) -> frozenset[Mark]:
    """The marks that count as not attending: absent, and late unless the rule counts late as attended."""
    late_counts = bool(rule_in(session, "attendance.late_counts_present", scope))
    return frozenset({Mark.ABSENT} if late_counts else {Mark.ABSENT, Mark.LATE})


def _marked(missing: frozenset[Mark]) -> str:
    return "absent or late" if Mark.LATE in missing else "absent"


def attendance_counts(session: Session, student_id: int, batch_id: int, on: date,
                      missing: frozenset[Mark]) -> tuple[int, int]:
    """(classes attended, classes counted) in the window ending `on`; excused classes are not counted."""
    attended, total = session.execute(
        select(func.sum(case((AttendanceRecord.mark.in_(list(missing)), 0), else_=1)), func.count())
        .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
        .where(AttendanceRecord.student_id == student_id, ClassSession.batch_id == batch_id,
               ClassSession.on_date > on - timedelta(days=WINDOW_DAYS), ClassSession.on_date <= on,
               AttendanceRecord.mark != Mark.EXCUSED)).one()
    return int(attended or 0), int(total or 0)


def _raise_action(session: Session, intents: list[Intent], kind: str, owners: list[int], batch_id: int,
                  session_id: int | None, student_id: int | None, summary: str, key: str, now: datetime) -> None:
    for owner in owners:
        dedupe = f"{key}:{owner}"
        if session.scalar(select(PendingAction.id).where(PendingAction.dedupe_key == dedupe)):
            continue
        action = PendingAction(kind=kind, owner_id=owner, batch_id=batch_id, session_id=session_id,
                               student_id=student_id, summary=summary, dedupe_key=dedupe,
                               status=ActionStatus.OPEN, created_at=now)
        session.add(action)
        session.flush()
        intents.append(Intent(NotificationKind.PENDING_ACTION, owner, f"action:{action.id}", {"action_id": action.id},
                              "action", action.id))
    if kind in INFO_KINDS:  # information goes to the alert rule's people (admins by default), once per item
        alert_kinds.attendance_info(session, kind, summary, batch_id, key, now)


def shown_at(when: datetime, tz: str) -> str:
    """A class time as the chat shows times: in the organisation's zone, e.g. "Mon 2 Nov, 16:00"."""
    return when_text(when, ZoneInfo(tz)) + (" UTC" if tz == "UTC" else "")


REOPEN_WINDOW = timedelta(hours=1)  # an admin's reopened class stays open at least this long


def _set_status(session: Session, cs: ClassSession, expected: SessionStatus, **values: object) -> bool:
    """Conditional UPDATE: only from the status we read, so a concurrent submit is never overwritten."""
    return session.execute(update(ClassSession).where(
        ClassSession.id == cs.id, ClassSession.status == expected).values(**values)
        .execution_options(synchronize_session=False)).rowcount == 1


def auto_close(uow: UnitOfWork, tz: str = "UTC") -> dict[str, int]:
    """Past class end + grace: submitted -> closed; open with marks -> closed (pipeline run);
    open or scheduled with nothing marked -> missed, with an inbox item for the teachers (times in `tz`)."""
    counts = {"closed": 0, "missed": 0}
    with uow:
        now = uow.now
        candidates = list(uow.session.scalars(select(ClassSession).where(
            ClassSession.status.in_([SessionStatus.SCHEDULED, SessionStatus.OPEN, SessionStatus.SUBMITTED]),
            ClassSession.ends_at <= now)))
        for cs in candidates:
            batch = uow.session.get(Batch, cs.batch_id)
            assert batch is not None
            deadline = cs.ends_at
            if cs.opened_at is not None and cs.opened_at > cs.ends_at:  # reopened by an admin
                deadline = cs.opened_at + REOPEN_WINDOW
            if deadline + grace(uow.session, batch) > now:
                continue
            marked = uow.session.scalar(  # marks a teacher made (not parents' advance excuses)
                select(func.count()).select_from(AttendanceRecord)
                .join(Person, Person.id == AttendanceRecord.marked_by)
                .where(AttendanceRecord.session_id == cs.id, Person.role.in_([Role.TEACHER, Role.ADMIN]))) or 0
            was_open = cs.status == SessionStatus.OPEN
            if cs.status == SessionStatus.SUBMITTED or (cs.status == SessionStatus.OPEN and marked):
                if _set_status(uow.session, cs, cs.status, status=SessionStatus.CLOSED, closed_at=now):
                    counts["closed"] += 1
                    if was_open:  # a submitted class's messages were mended at the submit
                        mend_sheets(uow.session, cs, now)
                    post_class(uow.session, cs, now)  # runs once; a no-op if the submit already ran it
                continue
            if not _set_status(uow.session, cs, cs.status, status=SessionStatus.MISSED, closed_at=now):
                continue
            counts["missed"] += 1
            mend_sheets(uow.session, cs, now)
            intents: list[Intent] = []
            when = shown_at(cs.starts_at, tz)
            _raise_action(uow.session, intents, "missed_session", teachers_of(uow.session, batch.id), batch.id,
                          cs.id, None, f"No attendance was taken for {batch.name} on {when}.",
                          f"missed:{cs.id}", now)
            enqueue(uow.session, intents, now)
            audit.record(uow.session, Actor.system(), "attendance.missed", "session", cs.id, now)
        uow.commit()
    return counts


def nag_late(uow: UnitOfWork) -> int:
    """Remind teachers who have not taken attendance some minutes into an open class."""
    with uow:
        now = uow.now
        after = timedelta(minutes=int(rule_in(uow.session, "attendance.nag_after_minutes")))
        rows = list(uow.session.scalars(select(ClassSession).where(
            ClassSession.status == SessionStatus.OPEN, ClassSession.nagged_at.is_(None),
            ClassSession.starts_at <= now - after)))
        for cs in rows:
            cs.nagged_at = now
            enqueue(uow.session, [Intent(NotificationKind.ATTENDANCE_NAG, t, f"nag:{cs.id}:{t}", {"session_id": cs.id},
                                         "session", cs.id) for t in teachers_of(uow.session, cs.batch_id)], now)
        uow.commit()
        return len(rows)


