"""The attendance sheet: marks, submission, excuses in advance, reopening."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_active
from domain.attendance.mending import mend_sheets
from domain.attendance.pipeline import post_class
from domain.attendance.schedule import authorise_teacher, teachers_of
from domain.auth import services as auth
from domain.errors import Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.models import (
    AttendanceRecord,
    Batch,
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    SessionStatus,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.people.reach import family_reach
from domain.perms.catalogue import CLASSES_MANAGE
from domain.perms.check import require
from domain.rules import rule_in
from domain.uow import UnitOfWork

CLOSED_MESSAGE = "Attendance window closed for this class."


# --- the sheet ----------------------------------------------------------------------------

@dataclass(frozen=True)
class SheetRow:
    student_id: int
    name: str
    mark: Mark
    marked: bool  # a record exists (else the default is shown)
    note: str | None
    unreachable: tuple[str, ...] = ()  # who of the student and their parents Telegram cannot reach


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


def _sheet(session: Session, cs: ClassSession) -> Sheet:
    batch = session.get(Batch, cs.batch_id)
    assert batch is not None
    default = Mark(rule_in(session, "attendance.default_mark", f"batch:{batch.id}"))
    records = {r.student_id: r for r in session.scalars(
        select(AttendanceRecord).where(AttendanceRecord.session_id == cs.id))}
    students = _students(session, cs.batch_id, cs.on_date)
    reach = family_reach(session, [sid for sid, _ in students])
    rows = [SheetRow(sid, name, records[sid].mark if sid in records else default, sid in records,
                     records[sid].note if sid in records else None, reach[sid].notes)
            for sid, name in students]
    return Sheet(cs.id, batch.id, batch.name, cs.on_date, cs.starts_at, cs.ends_at, cs.status, rows, default)


def sheet(uow: UnitOfWork, actor: Actor, session_id: int) -> Sheet:
    """A class's sheet, for its teachers and admins."""
    with uow:
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        authorise_teacher(uow.session, actor, cs.batch_id)
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
        authorise_teacher(uow.session, actor, cs.batch_id)
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
    authorise_teacher(uow.session, actor, cs.batch_id)
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
    mend_sheets(uow.session, cs, uow.now)  # the chat's copies of the sheet now say "submitted"
    result = _sheet(uow.session, cs)
    c = result.counts()
    return SubmitResult(result, True, f"Submitted: {c['present']} present, {c['absent']} absent, {c['late']} late, "
                                      f"{c['excused']} excused.")


def submit(uow: UnitOfWork, actor: Actor, session_id: int, marks: Mapping[int, Mark] | None = None) -> SubmitResult:
    """Submit the sheet (unmarked students get the default); a second submit changes nothing."""
    with uow:
        result = submit_in(uow, actor, session_id, marks)
        if result.changed:
            uow.commit()
        return result


def saved(result: SubmitResult) -> SubmitResult:
    """Marks sent from a form must be saved: refuse when the class was submitted meanwhile."""
    if not result.changed:  # e.g. in Telegram or another tab: these marks were not saved
        raise IllegalTransition(f"This class was submitted already, so these marks were not saved. "
                                f"{result.message}")
    return result


def submit_marks(uow: UnitOfWork, actor: Actor, session_id: int, marks: Mapping[int, Mark]) -> SubmitResult:
    """The console's form: submit these marks, refusing if the class was submitted meanwhile."""
    return saved(submit(uow, actor, session_id, marks))


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
    """classes.manage (admins): unlock a submitted, closed or missed session, with a reason, audited; its teachers
    are sent the sheet again (open for at least REOPEN_WINDOW)."""
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("Say why the class is reopened.")
    with uow:
        require(uow.session, actor, CLASSES_MANAGE)
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
                     reason=reason[:500])
        stamp = uow.now.isoformat()
        enqueue(uow.session, [Intent(NotificationKind.ATTENDANCE_SHEET, t, f"sheet:{cs.id}:{t}:reopened:{stamp}",
                                     {"session_id": cs.id}, "session", cs.id)
                              for t in teachers_of(uow.session, cs.batch_id)], uow.now)
        uow.commit()




# --- the sheet behind the bot's one-time link ------------------------------------------------
# The teacher and the class come only from the token. Token refusals are auth.TokenInvalid, TokenUsed
# and TokenExpired (InvalidInput subclasses); every other refusal is about the sheet itself.

def _link_actor(uow: UnitOfWork, token: str, ip: str | None, *, consume: bool) -> tuple[Actor, int]:
    row = auth.peek_one_time_in(uow, purpose=auth.ATTENDANCE, token=token)  # a precise refusal first
    if consume:
        row = auth.consume_one_time_in(uow, purpose=auth.ATTENDANCE, token=token)  # what guards
    if row.object_id is None:
        raise auth.TokenInvalid("This link is not valid.")
    return Actor.web(row.person_id, ip), row.object_id


def sheet_by_link(uow: UnitOfWork, token: str, ip: str | None) -> Sheet:
    """GET behind a one-time link: the sheet, authorised for the link's teacher; the token is only peeked."""
    with uow:
        actor, session_id = _link_actor(uow, token, ip, consume=False)
        cs = uow.session.get(ClassSession, session_id)
        if cs is None:
            raise NotFound("No such class.")
        authorise_teacher(uow.session, actor, cs.batch_id)
        return _sheet(uow.session, cs)


def submit_with_link(uow: UnitOfWork, token: str, ip: str | None, marks: Mapping[int, Mark]) -> SubmitResult:
    """POST behind a one-time link: consume the token and submit these marks in one transaction;
    any refusal (including a class submitted meanwhile) rolls both back."""
    with uow:
        actor, session_id = _link_actor(uow, token, ip, consume=True)
        result = saved(submit_in(uow, actor, session_id, marks))
        uow.commit()  # the marks, the pipeline's notifications and the consumed token, together
        return result
