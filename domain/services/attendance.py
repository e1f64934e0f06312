"""Class attendance: batches, sessions from the weekly schedule, sheets, submission, the pipeline."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import and_, case, func, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_active, load_admin_or_system
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.models import (
    ActionStatus,
    AttendanceRecord,
    Batch,
    BatchTeacher,
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    PendingAction,
    Person,
    PersonStatus,
    Role,
    ScheduleSlot,
    SessionStatus,
)
from domain.outbox import Intent, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

CLOSED_MESSAGE = "Attendance window closed for this class."
NOT_PRESENT = (Mark.ABSENT, Mark.LATE)


# --- batches and schedules ----------------------------------------------------------------

def create_batch(uow: UnitOfWork, actor: Actor, *, name: str, subject: str = "", level: str = "",
                 teacher_ids: Iterable[int] = ()) -> Batch:
    with uow:
        load_admin_or_system(uow.session, actor)
        name = " ".join((name or "").split())
        if not name or len(name) > 120:
            raise InvalidInput("A batch needs a name of 1 to 120 characters.")
        if uow.session.scalar(select(Batch.id).where(Batch.name == name)):
            raise InvalidInput(f"A batch called {name!r} already exists.")
        batch = Batch(name=name, subject=subject.strip(), level=level.strip(), active=True, created_at=uow.now)
        uow.session.add(batch)
        uow.session.flush()
        teachers = set(teacher_ids)
        found = set(uow.session.scalars(select(Person.id).where(
            Person.id.in_(teachers), Person.role.in_([Role.TEACHER, Role.ADMIN]))))
        if teachers - found:
            raise InvalidInput("Every teacher of a batch must be a teacher or an admin.")
        uow.session.add_all(BatchTeacher(batch_id=batch.id, person_id=t) for t in sorted(teachers))
        audit.record(uow.session, actor, "batch.create", "batch", batch.id, uow.now, name=name,
                     teachers=sorted(teachers))
        uow.commit()
        return batch


def add_slot(uow: UnitOfWork, actor: Actor, batch_id: int, *, weekday: int, start: str | time,
             duration_minutes: int) -> ScheduleSlot:
    with uow:
        load_admin_or_system(uow.session, actor)
        if uow.session.get(Batch, batch_id) is None:
            raise NotFound("No such batch.")
        if not 0 <= weekday <= 6:
            raise InvalidInput("The weekday must be 0 (Monday) to 6 (Sunday).")
        if isinstance(start, str):
            try:
                hour, minute = (int(x) for x in start.split(":"))
                start = time(hour, minute)
            except ValueError:
                raise InvalidInput("Write the start time as HH:MM, e.g. 16:30.") from None
        if not 10 <= duration_minutes <= 600:
            raise InvalidInput("A class lasts 10 to 600 minutes.")
        slot = ScheduleSlot(batch_id=batch_id, weekday=weekday, start_time=start,
                            duration_minutes=duration_minutes, active=True)
        uow.session.add(slot)
        uow.session.flush()
        audit.record(uow.session, actor, "batch.add_slot", "batch", batch_id, uow.now, slot=slot.id)
        uow.commit()
        return slot


def enrol(uow: UnitOfWork, actor: Actor, batch_id: int, student_id: int, enrolled_on: date) -> None:
    with uow:
        load_admin_or_system(uow.session, actor)
        student = uow.session.get(Person, student_id)
        if student is None or student.role != Role.STUDENT:
            raise InvalidInput("Only students can be enrolled.")
        if uow.session.get(Batch, batch_id) is None:
            raise NotFound("No such batch.")
        row = uow.session.get(Enrolment, (batch_id, student_id))
        if row is None:
            uow.session.add(Enrolment(batch_id=batch_id, student_id=student_id, enrolled_on=enrolled_on))
        else:
            row.enrolled_on, row.left_on = enrolled_on, None
        audit.record(uow.session, actor, "batch.enrol", "batch", batch_id, uow.now, student_id=student_id,
                     enrolled_on=enrolled_on.isoformat())
        uow.commit()


def deactivate_batch(uow: UnitOfWork, actor: Actor, batch_id: int) -> None:
    """Deleting a batch only deactivates it: its history stays."""
    with uow:
        load_admin_or_system(uow.session, actor)
        batch = uow.session.get(Batch, batch_id)
        if batch is None:
            raise NotFound("No such batch.")
        batch.active = False
        audit.record(uow.session, actor, "batch.deactivate", "batch", batch_id, uow.now)
        uow.commit()


# --- sessions from the schedule -----------------------------------------------------------

def _insert_ignore(session: Session, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    dialect = session.get_bind().dialect.name
    mod = postgresql if dialect == "postgresql" else sqlite
    stmt = mod.insert(ClassSession).on_conflict_do_nothing(index_elements=["batch_id", "on_date", "slot_id"])
    session.execute(stmt, rows)


def ensure_sessions(uow: UnitOfWork, first: date, last: date, tz: str, batch_id: int | None = None) -> int:
    """Create the sessions the schedule implies between two local dates; idempotent and race-safe."""
    zone = ZoneInfo(tz)
    with uow:
        q = (select(ScheduleSlot).join(Batch, Batch.id == ScheduleSlot.batch_id)
             .where(Batch.active.is_(True), ScheduleSlot.active.is_(True)))
        if batch_id is not None:
            q = q.where(ScheduleSlot.batch_id == batch_id)
        slots = list(uow.session.scalars(q))
        rows = []
        day = first
        while day <= last:
            for slot in slots:
                if slot.weekday == day.weekday():
                    start = datetime.combine(day, slot.start_time, zone)
                    rows.append({"batch_id": slot.batch_id, "slot_id": slot.id, "on_date": day,
                                 "starts_at": start, "ends_at": start + timedelta(minutes=slot.duration_minutes),
                                 "status": SessionStatus.SCHEDULED})
            day += timedelta(days=1)
        _insert_ignore(uow.session, rows)
        uow.commit()
        return len(rows)


def _grace(session: Session, batch: Batch) -> timedelta:
    minutes = batch.grace_minutes if batch.grace_minutes is not None else rule_in(
        session, "attendance.grace_minutes", f"batch:{batch.id}")
    return timedelta(minutes=int(minutes))


def teachers_of(session: Session, batch_id: int) -> list[int]:
    return list(session.scalars(select(BatchTeacher.person_id).where(BatchTeacher.batch_id == batch_id)
                                .order_by(BatchTeacher.person_id)))


def open_due(uow: UnitOfWork) -> list[int]:
    """Open the sessions whose opening time has come; each teacher is sent the sheet."""
    with uow:
        now = uow.now
        before = timedelta(minutes=int(rule_in(uow.session, "attendance.open_before_minutes")))
        due = list(uow.session.scalars(select(ClassSession).where(
            ClassSession.status == SessionStatus.SCHEDULED, ClassSession.starts_at <= now + before,
            ClassSession.ends_at > now)))
        opened = []
        for s in due:
            done = uow.session.execute(update(ClassSession).where(
                ClassSession.id == s.id, ClassSession.status == SessionStatus.SCHEDULED)
                .values(status=SessionStatus.OPEN, opened_at=now)
                .execution_options(synchronize_session=False)).rowcount
            if done:
                opened.append(s.id)
                enqueue(uow.session, [Intent("attendance_sheet", t, f"sheet:{s.id}:{t}", {"session_id": s.id},
                                             "session", s.id) for t in teachers_of(uow.session, s.batch_id)], now)
        uow.commit()
        return opened


# --- the sheet ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    student_id: int
    name: str
    mark: Mark
    marked: bool  # a record exists (else the default is shown)
    note: str | None


@dataclass(frozen=True)
class Sheet:
    session_id: int
    batch_id: int
    batch_name: str
    on_date: date
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus
    rows: list[SheetRow]
    default: Mark

    def counts(self) -> dict[str, int]:
        out = {m.value: 0 for m in Mark}
        for r in self.rows:
            out[r.mark.value] += 1
        return out


def _students(session: Session, batch_id: int, on: date) -> list[tuple[int, str]]:
    """Students enrolled on that date (absences before enrolment never count)."""
    return list(session.execute(
        select(Person.id, Person.name).join(Enrolment, Enrolment.student_id == Person.id)
        .where(Enrolment.batch_id == batch_id, Enrolment.enrolled_on <= on,
               or_(Enrolment.left_on.is_(None), Enrolment.left_on > on),
               Person.status != PersonStatus.DISABLED)
        .order_by(Person.name)).all())


def _authorise_teacher(session: Session, actor: Actor, batch_id: int) -> Person:
    me = load_active(session, actor, Role.TEACHER, Role.ADMIN)
    if me.role != Role.ADMIN and me.id not in teachers_of(session, batch_id):
        raise Forbidden("Only this batch's teachers can take its attendance.")
    return me


def _sheet(session: Session, cs: ClassSession) -> Sheet:
    batch = session.get(Batch, cs.batch_id)
    assert batch is not None
    default = Mark(rule_in(session, "attendance.default_mark", f"batch:{batch.id}"))
    records = {r.student_id: r for r in session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.session_id == cs.id))}
    rows = [SheetRow(sid, name, records[sid].mark if sid in records else default, sid in records,
                     records[sid].note if sid in records else None)
            for sid, name in _students(session, cs.batch_id, cs.on_date)]
    return Sheet(cs.id, batch.id, batch.name, cs.on_date, cs.starts_at, cs.ends_at, cs.status, rows, default)


def sheet(uow: UnitOfWork, actor: Actor, session_id: int) -> Sheet:
    with uow:
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        _authorise_teacher(uow.session, actor, cs.batch_id)
        return _sheet(uow.session, cs)


def _upsert_marks(uow: UnitOfWork, actor: Actor, cs: ClassSession, marks: Mapping[int, Mark]) -> None:
    enrolled = {sid for sid, _ in _students(uow.session, cs.batch_id, cs.on_date)}
    if unknown := set(marks) - enrolled:
        raise InvalidInput(f"Not enrolled in this class on that date: {sorted(unknown)}.")
    existing = {r.student_id: r for r in uow.session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.session_id == cs.id))}
    for sid, mark in marks.items():
        row = existing.get(sid)
        if row is None:
            uow.session.add(AttendanceRecord(session_id=cs.id, student_id=sid, mark=Mark(mark),
                                             marked_by=actor.person_id, marked_at=uow.now, channel=actor.channel))
        elif row.mark != mark:
            row.mark, row.marked_by, row.marked_at, row.channel = Mark(mark), actor.person_id, uow.now, actor.channel


def toggle(uow: UnitOfWork, actor: Actor, session_id: int, student_id: int | None) -> Sheet:
    """Flip one student between present and absent (None: mark everyone present)."""
    with uow:
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        _authorise_teacher(uow.session, actor, cs.batch_id)
        if cs.status != SessionStatus.OPEN:
            raise IllegalTransition(CLOSED_MESSAGE)
        current = _sheet(uow.session, cs)
        if student_id is None:
            marks = {r.student_id: Mark.PRESENT for r in current.rows if r.mark != Mark.EXCUSED}
        else:
            row = next((r for r in current.rows if r.student_id == student_id), None)
            if row is None:
                raise InvalidInput("That student is not in this class.")
            marks = {student_id: Mark.ABSENT if row.mark in (Mark.PRESENT, Mark.EXCUSED) else Mark.PRESENT}
        _upsert_marks(uow, actor, cs, marks)
        uow.session.flush()
        result = _sheet(uow.session, cs)
        uow.commit()
        return result


@dataclass(frozen=True)
class SubmitResult:
    sheet: Sheet
    changed: bool
    message: str


def submit_in(uow: UnitOfWork, actor: Actor, session_id: int, marks: Mapping[int, Mark] | None) -> SubmitResult:
    """Submit within an open unit of work (the web link consumes its token in the same one)."""
    cs = uow.session.get(ClassSession, session_id)
    if cs is None:
        raise NotFound("No such class.")
    _authorise_teacher(uow.session, actor, cs.batch_id)
    if cs.status == SessionStatus.SUBMITTED:
        sheet_ = _sheet(uow.session, cs)
        c = sheet_.counts()
        return SubmitResult(sheet_, False, f"Already submitted: {c['present']} present, {c['absent']} absent.")
    if cs.status != SessionStatus.OPEN:
        raise IllegalTransition(CLOSED_MESSAGE)
    if marks:
        _upsert_marks(uow, actor, cs, marks)
        uow.session.flush()
    current = _sheet(uow.session, cs)
    # Everyone not marked yet gets the default, so the record is complete.
    _upsert_marks(uow, actor, cs, {r.student_id: r.mark for r in current.rows if not r.marked})
    done = uow.session.execute(update(ClassSession).where(
        ClassSession.id == cs.id, ClassSession.status == SessionStatus.OPEN)
        .values(status=SessionStatus.SUBMITTED, submitted_at=uow.now, submitted_by=actor.person_id)
        .execution_options(synchronize_session=False)).rowcount
    if done != 1:
        raise IllegalTransition(CLOSED_MESSAGE)
    uow.session.flush()
    uow.session.refresh(cs)
    audit.record(uow.session, actor, "attendance.submit", "session", cs.id, uow.now, **_sheet(uow.session, cs).counts())
    post_class(uow.session, cs, uow.now)
    result = _sheet(uow.session, cs)
    c = result.counts()
    return SubmitResult(result, True, f"Submitted: {c['present']} present, {c['absent']} absent, {c['late']} late, "
                                      f"{c['excused']} excused.")


def submit(uow: UnitOfWork, actor: Actor, session_id: int, marks: Mapping[int, Mark] | None = None) -> SubmitResult:
    with uow:
        result = submit_in(uow, actor, session_id, marks)
        if result.changed:
            uow.commit()
        return result


def mark_absence_in_advance(uow: UnitOfWork, actor: Actor, session_id: int, student_id: int, reason: str) -> None:
    """A parent (of the child) or the student marks a future absence as excused."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why; the teacher will see it.")
    with uow:
        me = load_active(uow.session, actor, Role.PARENT, Role.STUDENT, Role.ADMIN)
        if me.role == Role.STUDENT and me.id != student_id:
            raise Forbidden("Students can mark only their own absence.")
        if me.role == Role.PARENT and uow.session.get(ParentLink, (me.id, student_id)) is None:
            raise Forbidden("You can mark absences only for your own children.")
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        if cs.status not in (SessionStatus.SCHEDULED, SessionStatus.OPEN) or cs.ends_at <= uow.now:
            raise IllegalTransition(CLOSED_MESSAGE)
        if student_id not in {sid for sid, _ in _students(uow.session, cs.batch_id, cs.on_date)}:
            raise InvalidInput("That student is not in this class.")
        row = uow.session.scalar(select(AttendanceRecord).where(
            AttendanceRecord.session_id == cs.id, AttendanceRecord.student_id == student_id))
        teachers = set(teachers_of(uow.session, cs.batch_id))
        if row is not None and me.role != Role.ADMIN and (row.marked_by in teachers or cs.status != SessionStatus.SCHEDULED):
            raise IllegalTransition("The teacher has already taken attendance for this class.")
        if row is None:
            uow.session.add(AttendanceRecord(session_id=cs.id, student_id=student_id, mark=Mark.EXCUSED,
                                             note=reason[:500], marked_by=me.id, marked_at=uow.now,
                                             channel=actor.channel))
        else:
            row.mark, row.note, row.marked_by, row.marked_at = Mark.EXCUSED, reason[:500], me.id, uow.now
        audit.record(uow.session, actor, "attendance.excuse", "session", cs.id, uow.now, student_id=student_id)
        uow.commit()


def reopen(uow: UnitOfWork, actor: Actor, session_id: int, reason: str) -> None:
    """Admins only: unlock a submitted or closed session, with a reason, audited."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the class is reopened.")
    with uow:
        load_active(uow.session, actor, Role.ADMIN)
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        if cs.status not in (SessionStatus.SUBMITTED, SessionStatus.CLOSED, SessionStatus.MISSED):
            raise IllegalTransition("Only a submitted, closed or missed class can be reopened.")
        old = cs.status
        # The pipeline runs again on the next submit; its dedupe keys keep what was sent from repeating.
        cs.status, cs.closed_at, cs.post_class_at = SessionStatus.OPEN, None, None
        cs.opened_at = uow.now  # auto-close gives a reopened class REOPEN_WINDOW from now
        audit.record(uow.session, actor, "attendance.reopen", "session", cs.id, uow.now, old=old.value,
                     reason=reason)
        uow.commit()


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
            intents.append(Intent("absence", parent_id, f"absence:{cs.id}:{child_id}:{parent_id}",
                                  {"session_id": cs.id, "student_id": child_id}, "session", cs.id))
    streak_n = int(rule_in(session, "attendance.absence_streak", f"batch:{batch.id}"))
    teachers = teachers_of(session, batch.id)
    admins = list(session.scalars(select(Person.id).where(Person.role == Role.ADMIN,
                                                            Person.status == PersonStatus.ACTIVE)))
    for r in records:
        if r.mark not in NOT_PRESENT:
            continue
        last = list(session.scalars(
            select(AttendanceRecord.mark).join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
            .join(Enrolment, and_(Enrolment.batch_id == ClassSession.batch_id,
                                  Enrolment.student_id == AttendanceRecord.student_id))
            .where(AttendanceRecord.student_id == r.student_id, ClassSession.batch_id == batch.id,
                   ClassSession.on_date >= Enrolment.enrolled_on)
            .order_by(ClassSession.starts_at.desc()).limit(streak_n)))
        if len(last) == streak_n and all(m in NOT_PRESENT for m in last):
            name = session.scalar(select(Person.name).where(Person.id == r.student_id))
            summary = f"{name} missed the last {streak_n} classes of {batch.name}."
            _raise_action(session, intents, "absence_streak", teachers, batch.id, cs.id, r.student_id, summary,
                          f"streak:{batch.id}:{r.student_id}:{cs.id}", now, admins)
        percent = _percent_30_days(session, r.student_id, batch.id, cs.on_date)
        threshold = int(rule_in(session, "attendance.low_threshold_percent", f"batch:{batch.id}"))
        if percent is not None and percent < threshold:
            week = cs.on_date.isocalendar()
            name = session.scalar(select(Person.name).where(Person.id == r.student_id))
            _raise_action(session, intents, "low_attendance", teachers, batch.id, cs.id, r.student_id,
                          f"{name}'s attendance in {batch.name} is {percent:.0f}% over 30 days.",
                          f"low:{r.student_id}:{week.year}-{week.week}", now, admins)
    enqueue(session, intents, now)


def _percent_30_days(session: Session, student_id: int, batch_id: int, on: date) -> float | None:
    present, total = session.execute(
        select(func.sum(case((AttendanceRecord.mark == Mark.PRESENT, 1), else_=0)), func.count())
        .join(ClassSession, ClassSession.id == AttendanceRecord.session_id)
        .where(AttendanceRecord.student_id == student_id, ClassSession.batch_id == batch_id,
               ClassSession.on_date > on - timedelta(days=30), ClassSession.on_date <= on,
               AttendanceRecord.mark != Mark.EXCUSED)).one()
    return None if not total else 100.0 * float(present or 0) / total


def _raise_action(session: Session, intents: list[Intent], kind: str, owners: list[int], batch_id: int,
                  session_id: int | None, student_id: int | None, summary: str, key: str, now: datetime,
                  admins: Iterable[int] = ()) -> None:
    for owner in owners:
        dedupe = f"{key}:{owner}"
        if session.scalar(select(PendingAction.id).where(PendingAction.dedupe_key == dedupe)):
            continue
        action = PendingAction(kind=kind, owner_id=owner, batch_id=batch_id, session_id=session_id,
                               student_id=student_id, summary=summary, dedupe_key=dedupe,
                               status=ActionStatus.OPEN, created_at=now)
        session.add(action)
        session.flush()
        intents.append(Intent("pending_action", owner, f"action:{action.id}", {"action_id": action.id},
                              "action", action.id))
    for admin in admins:
        if admin not in owners:
            intents.append(Intent("admin_alert", admin, f"alert:{key}:{admin}", {"summary": summary},
                                  "batch", batch_id))


REOPEN_WINDOW = timedelta(hours=1)  # an admin's reopened class stays open at least this long


def _set_status(session: Session, cs: ClassSession, expected: SessionStatus, **values: object) -> bool:
    """Conditional UPDATE: only from the status we read, so a concurrent submit is never overwritten."""
    return session.execute(update(ClassSession).where(
        ClassSession.id == cs.id, ClassSession.status == expected).values(**values)
        .execution_options(synchronize_session=False)).rowcount == 1


def auto_close(uow: UnitOfWork) -> dict[str, int]:
    """Past class end + grace: submitted -> closed; open with marks -> closed (pipeline run);
    open or scheduled with nothing marked -> missed, with an inbox item for the teachers."""
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
            if deadline + _grace(uow.session, batch) > now:
                continue
            marked = uow.session.scalar(  # marks a teacher made (not parents' advance excuses)
                select(func.count()).select_from(AttendanceRecord)
                .join(Person, Person.id == AttendanceRecord.marked_by)
                .where(AttendanceRecord.session_id == cs.id, Person.role.in_([Role.TEACHER, Role.ADMIN]))) or 0
            if cs.status == SessionStatus.SUBMITTED or (cs.status == SessionStatus.OPEN and marked):
                if _set_status(uow.session, cs, cs.status, status=SessionStatus.CLOSED, closed_at=now):
                    counts["closed"] += 1
                    post_class(uow.session, cs, now)  # runs once; a no-op if the submit already ran it
                continue
            if not _set_status(uow.session, cs, cs.status, status=SessionStatus.MISSED, closed_at=now):
                continue
            counts["missed"] += 1
            intents: list[Intent] = []
            when = cs.starts_at.strftime("%Y-%m-%d %H:%M UTC")
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
            enqueue(uow.session, [Intent("attendance_nag", t, f"nag:{cs.id}:{t}", {"session_id": cs.id},
                                         "session", cs.id) for t in teachers_of(uow.session, cs.batch_id)], now)
        uow.commit()
        return len(rows)


# --- the inbox ----------------------------------------------------------------------------

RESOLUTIONS = ("reviewed", "notify_parent", "ignore")


def open_actions(uow: UnitOfWork, actor: Actor) -> list[PendingAction]:
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        return list(uow.session.scalars(select(PendingAction).where(
            PendingAction.owner_id == me.id, PendingAction.status == ActionStatus.OPEN)
            .order_by(PendingAction.created_at)))


def resolve_action(uow: UnitOfWork, actor: Actor, action_id: int, resolution: str, note: str = "") -> PendingAction:
    if resolution not in RESOLUTIONS:
        raise InvalidInput(f"Choose one of: {', '.join(RESOLUTIONS)}.")
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        action = uow.session.get(PendingAction, action_id)
        if action is None:
            raise NotFound("No such item.")
        if action.owner_id != me.id and me.role != Role.ADMIN:
            raise Forbidden("This item is in another teacher's inbox.")
        if action.status == ActionStatus.RESOLVED:
            return action
        taken = uow.session.execute(update(PendingAction).where(
            PendingAction.id == action.id, PendingAction.status == ActionStatus.OPEN).values(
            status=ActionStatus.RESOLVED, resolution=resolution, note=note.strip()[:1000],
            resolved_at=uow.now, resolved_by=me.id).execution_options(synchronize_session=False)).rowcount
        uow.session.refresh(action)
        if not taken:  # resolved by someone else a moment ago
            return action
        if resolution == "notify_parent" and action.student_id:
            parents = uow.session.scalars(select(ParentLink.parent_id).where(ParentLink.child_id == action.student_id))
            enqueue(uow.session, [Intent("teacher_note", p, f"note:{action.id}:{p}",
                                         {"action_id": action.id, "note": action.note or action.summary},
                                         "action", action.id) for p in parents], uow.now)
        audit.record(uow.session, actor, "action.resolve", "pending_action", action.id, uow.now,
                     resolution=resolution)
        uow.commit()
        return action


def sessions_for_teacher(uow: UnitOfWork, actor: Actor, on: date) -> list[tuple[ClassSession, str]]:
    with uow:
        me = load_active(uow.session, actor, Role.TEACHER, Role.ADMIN)
        q = (select(ClassSession, Batch.name).join(Batch, Batch.id == ClassSession.batch_id)
             .where(ClassSession.on_date == on).order_by(ClassSession.starts_at))
        if me.role != Role.ADMIN:
            q = q.where(ClassSession.batch_id.in_(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id)))
        return [(cs, name) for cs, name in uow.session.execute(q).all()]



@dataclass(frozen=True)
class SessionInfo:
    id: int
    batch_id: int
    batch_name: str
    on_date: date
    starts_at: datetime
    ends_at: datetime
    status: SessionStatus


def session_info(uow: UnitOfWork, session_id: int) -> SessionInfo:
    with uow:
        row = uow.session.execute(select(ClassSession, Batch.name).join(Batch, Batch.id == ClassSession.batch_id)
                                  .where(ClassSession.id == session_id)).first()
        if row is None:
            raise NotFound("No such class.")
        cs, name = row
        return SessionInfo(cs.id, cs.batch_id, name, cs.on_date, cs.starts_at, cs.ends_at, cs.status)


def action_info(uow: UnitOfWork, action_id: int) -> PendingAction:
    with uow:
        action = uow.session.get(PendingAction, action_id)
        if action is None:
            raise NotFound("No such item.")
        return action


def upcoming_for(uow: UnitOfWork, actor: Actor, days: int = 14) -> list[tuple[SessionInfo, int, str]]:
    """Future classes a parent (for each child) or a student may excuse: (session, student id, name)."""
    with uow:
        me = load_active(uow.session, actor, Role.PARENT, Role.STUDENT)
        students = ([me.id] if me.role == Role.STUDENT else list(uow.session.scalars(
            select(ParentLink.child_id).where(ParentLink.parent_id == me.id))))
        rows = uow.session.execute(
            select(ClassSession, Batch.name, Person.id, Person.name)
            .join(Batch, Batch.id == ClassSession.batch_id)
            .join(Enrolment, Enrolment.batch_id == ClassSession.batch_id)
            .join(Person, Person.id == Enrolment.student_id)
            .where(Enrolment.student_id.in_(students), ClassSession.starts_at > uow.now,
                   ClassSession.starts_at <= uow.now + timedelta(days=days),
                   ClassSession.status.in_([SessionStatus.SCHEDULED, SessionStatus.OPEN]))
            .order_by(ClassSession.starts_at).limit(20)).all()
        return [(SessionInfo(cs.id, cs.batch_id, bname, cs.on_date, cs.starts_at, cs.ends_at, cs.status), pid, pname)
                for cs, bname, pid, pname in rows]
