"""Homework services: set it to a batch (one item per student enrolled that day), hand it in (text,
photos, files, or just "done"; late when after the due time), and review a hand-in with a comment the
student receives. Each checks who acts, writes the audit entry and the outbox rows in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor, load_active
from domain.errors import Forbidden, InvalidField, InvalidInput, NotFound
from domain.homework import access
from domain.homework.rows import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_FILES,
    MAX_HAND_IN,
    MAX_TITLE,
    SUMMARY_DESCRIPTION,
    HomeworkResult,
    HomeworkSpec,
    ItemResult,
    shorten,
)
from domain.models import (
    Batch,
    Enrolment,
    Homework,
    HomeworkFile,
    HomeworkItem,
    HomeworkStatus,
    Person,
    Role,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.tickets.rows import AttachmentIn
from domain.timeparse import EARLIEST, LATEST
from domain.uow import UnitOfWork
from domain.words import plural

KINDS = ("photo", "document")
MAX_BYTES = 20 * 1024 * 1024


def enrolled_on(session: Session, batch_id: int, day: object) -> list[int]:
    """The students enrolled in a batch on a (local) day: joined on or before it, not left by it."""
    return list(session.scalars(select(Enrolment.student_id).join(Person, Person.id == Enrolment.student_id).where(
        Enrolment.batch_id == batch_id, Enrolment.enrolled_on <= day,
        or_(Enrolment.left_on.is_(None), Enrolment.left_on > day), Person.role == Role.STUDENT)
        .order_by(Enrolment.student_id)))


def _files(session: Session, homework_id: int, item_id: int | None, by: int | None,
           files: Sequence[AttachmentIn], now: datetime) -> int:
    if len(files) > MAX_FILES:
        raise InvalidInput(f"At most {MAX_FILES} files at a time.")
    for f in files:
        if f.kind not in KINDS:
            raise InvalidInput("A file is a photo or a document.")
        if not (f.telegram_file_id or f.file_key):
            raise InvalidInput("A file needs a Telegram file id or a stored file.")
        if f.size is not None and f.size > MAX_BYTES:
            raise InvalidInput("That file is over 20 MB; send a smaller one.")
        session.add(HomeworkFile(
            homework_id=homework_id, item_id=item_id, uploaded_by_id=by, kind=f.kind,
            telegram_file_id=f.telegram_file_id, telegram_unique_id=f.telegram_unique_id, file_key=f.file_key,
            filename=(f.filename or None) and f.filename[:200], content_type=f.content_type, size=f.size,
            created_at=now))
    return len(files)


def _clean(spec: HomeworkSpec) -> tuple[str, str]:
    title = " ".join((spec.title or "").split())
    if not title or len(title) > MAX_TITLE:
        raise InvalidField("title", f"A title of 1 to {MAX_TITLE} characters, please.")
    description = (spec.description or "").strip()
    if len(description) > MAX_DESCRIPTION:
        raise InvalidField("description", f"The description is too long (at most {MAX_DESCRIPTION} characters).")
    if not isinstance(spec.due_at, datetime) or spec.due_at.tzinfo is None:
        raise InvalidField("due_at", "Give the due time.")
    if not EARLIEST <= spec.due_at.date() <= LATEST:
        raise InvalidField("due_at", "The due time must lie between 2000 and 2100.")
    return title, description


def assign(uow: UnitOfWork, actor: Actor, spec: HomeworkSpec) -> HomeworkResult:
    """Set homework to a batch: one item per student enrolled today (local), each told with Hand in / Mark done."""
    title, description = _clean(spec)
    with uow:
        s, now = uow.session, uow.now
        person, batch = access.require_batch(s, actor, spec.batch_id)
        if spec.due_at <= now:
            raise InvalidField("due_at", "That time has already passed; choose a time in the future.")
        if not batch.active:
            raise InvalidField("batch_id", f"{batch.name} is inactive; set homework to an active batch.")
        today = now.astimezone(ZoneInfo(uow.db.timezone)).date()
        students = enrolled_on(s, batch.id, today)
        if not students:
            raise InvalidField("batch_id", f"Nobody is enrolled in {batch.name} today; enrol students first.")
        homework = Homework(batch_id=batch.id, title=title, description=description, due_at=spec.due_at,
                            set_by_id=person.id, created_at=now)
        s.add(homework)
        s.flush()
        n_files = _files(s, homework.id, None, person.id, spec.attachments, now)
        items = [HomeworkItem(homework_id=homework.id, student_id=sid, status=HomeworkStatus.OPEN, late=False)
                 for sid in students]
        s.add_all(items)
        s.flush()
        data = {"title": title, "batch": batch.name, "due_at": spec.due_at.isoformat(),
                "description": shorten(description, SUMMARY_DESCRIPTION), "files": n_files, "by": person.name}
        enqueue(s, [Intent(NotificationKind.HOMEWORK_SET, item.student_id, f"hw:set:{item.id}",
                           {**data, "item_id": item.id}, "homework_item", item.id) for item in items], now)
        audit.record(s, actor, "homework.assign", "homework", homework.id, now, batch_id=batch.id,
                     students=len(items), files=n_files, due_at=spec.due_at.isoformat())
        uow.commit()
        return HomeworkResult(homework.id, len(items),
                              f"Homework set to {batch.name}: {plural(len(items), 'student')} told.")


def _own_item(s: Session, actor: Actor, item_id: int) -> tuple[Person, HomeworkItem, Homework]:
    me = load_active(s, actor)
    item = s.get(HomeworkItem, item_id)
    if item is None or item.student_id != me.id:
        raise NotFound("No such homework.")  # someone else's is not shown as existing
    homework = s.get(Homework, item.homework_id)
    assert homework is not None
    return me, item, homework


def hand_in(uow: UnitOfWork, actor: Actor, item_id: int, text: str = "",
            files: Sequence[AttachmentIn] = ()) -> ItemResult:
    """The student hands in (text, files, or nothing: "Mark done"); late after the due time; once."""
    text = (text or "").strip()
    if len(text) > MAX_HAND_IN:
        raise InvalidField("text", f"That is too long (at most {MAX_HAND_IN} characters).")
    with uow:
        s, now = uow.session, uow.now
        me, item, homework = _own_item(s, actor, item_id)
        late = now > homework.due_at
        done = s.execute(update(HomeworkItem).where(HomeworkItem.id == item.id,
                                                    HomeworkItem.status == HomeworkStatus.OPEN)
                         .values(status=HomeworkStatus.HANDED_IN, handed_in_at=now, late=late, text=text or None)
                         .execution_options(synchronize_session=False)).rowcount
        if not done:  # two presses make one hand-in
            return ItemResult(item.id, False, item.late, f"“{homework.title}” was handed in already.")
        n_files = _files(s, homework.id, item.id, me.id, files, now)
        batch = s.get(Batch, homework.batch_id)
        if homework.set_by_id is not None:
            enqueue(s, [Intent(NotificationKind.HOMEWORK_HANDED_IN, homework.set_by_id, f"hw:in:{item.id}", {
                "item_id": item.id, "student": me.name, "title": homework.title,
                "batch": batch.name if batch else "", "late": late, "files": n_files,
                "text": shorten(text, SUMMARY_DESCRIPTION)}, "homework_item", item.id)], now)
        audit.record(s, actor, "homework.hand_in", "homework_item", item.id, now, late=late, files=n_files,
                     homework_id=homework.id)
        uow.commit()
    said = f"Handed in “{homework.title}”" + (" (late: it was due before now)." if late else ".")
    return ItemResult(item_id, True, late, said)


def review(uow: UnitOfWork, actor: Actor, item_id: int, comment: str = "") -> ItemResult:
    """A teacher of the batch (or an admin) marks a hand-in reviewed; the student reads the comment in Telegram."""
    comment = " ".join((comment or "").split())
    if len(comment) > MAX_COMMENT:
        raise InvalidField("comment", f"Keep the comment under {MAX_COMMENT} characters.")
    with uow:
        s, now = uow.session, uow.now
        me = load_active(s, actor)
        item = s.get(HomeworkItem, item_id)
        homework = s.get(Homework, item.homework_id) if item is not None else None
        if item is None or homework is None:
            raise NotFound("No such homework.")
        if not access.may_manage(s, me, homework.batch_id):
            raise Forbidden("Only this batch's teachers and admins can review its homework.")
        if item.status == HomeworkStatus.REVIEWED:
            return ItemResult(item.id, False, item.late, "This hand-in was reviewed already.")
        if item.status != HomeworkStatus.HANDED_IN:
            raise InvalidInput("Nothing has been handed in yet.")
        item.status, item.comment, item.reviewed_at, item.reviewed_by_id = (
            HomeworkStatus.REVIEWED, comment or None, now, me.id)
        enqueue(s, [Intent(NotificationKind.HOMEWORK_REVIEWED, item.student_id, f"hw:rev:{item.id}", {
            "item_id": item.id, "title": homework.title, "by": me.name, "comment": comment},
            "homework_item", item.id)], now)
        audit.record(s, actor, "homework.review", "homework_item", item.id, now, homework_id=homework.id)
        student = s.get(Person, item.student_id)
        uow.commit()
        return ItemResult(item.id, True, item.late, f"Reviewed; {student.name if student else 'the student'} is told.")
