"""Homework read side: the teacher's list with counts, one homework with every student's item, one
hand-in, a student's open homework, and two plain reads for other features (the portal, the risk engine):
`homework_for_student` and `homework_counts`."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import NotFound
from domain.homework import access
from domain.homework.rows import (
    HANDED_IN,
    LATE,
    MISSING,
    OPEN,
    REVIEWED,
    FileRow,
    HomeworkDetail,
    HomeworkSummary,
    ItemRow,
    StudentHomework,
)
from domain.models import Batch, Homework, HomeworkFile, HomeworkItem, HomeworkStatus, Person
from domain.uow import UnitOfWork

LIST_LIMIT = 200


def item_state(status: HomeworkStatus, late: bool, due_at: datetime, now: datetime) -> str:
    """open (not due yet), handed_in, late (handed in after the due time), missing (due, nothing in), reviewed."""
    if status == HomeworkStatus.REVIEWED:
        return REVIEWED
    if status == HomeworkStatus.HANDED_IN:
        return LATE if late else HANDED_IN
    return MISSING if now > due_at else OPEN


def _file_rows(s: Session, homework_ids: list[int], item_ids: list[int] | None) -> dict[tuple[int, int | None],
                                                                                    list[FileRow]]:
    """(homework id, item id or None) -> its files."""
    if not homework_ids:
        return {}
    q = select(HomeworkFile).where(HomeworkFile.homework_id.in_(homework_ids))
    if item_ids is not None:
        q = q.where(HomeworkFile.item_id.in_(item_ids) | HomeworkFile.item_id.is_(None))
    out: dict[tuple[int, int | None], list[FileRow]] = defaultdict(list)
    for f in s.scalars(q.order_by(HomeworkFile.id)):
        out[(f.homework_id, f.item_id)].append(FileRow(f.id, f.kind, f.telegram_file_id, f.file_key, f.filename))
    return out


def summaries_in(s: Session, batch_ids: list[int] | None, *, due_from: datetime | None = None,
                 due_to: datetime | None = None, homework_id: int | None = None,
                 limit: int = LIST_LIMIT) -> list[HomeworkSummary]:
    """Homework with its counts (set, handed in, late, reviewed), newest due first (one query)."""
    handed = HomeworkItem.status.in_([HomeworkStatus.HANDED_IN, HomeworkStatus.REVIEWED])
    files = (select(func.count()).where(HomeworkFile.homework_id == Homework.id, HomeworkFile.item_id.is_(None))
             .correlate(Homework).scalar_subquery())
    q = (select(Homework, Batch.name, func.count(HomeworkItem.id), func.sum(case((handed, 1), else_=0)),
                func.sum(case((handed & HomeworkItem.late, 1), else_=0)),
                func.sum(case((HomeworkItem.status == HomeworkStatus.REVIEWED, 1), else_=0)), files)
         .join(Batch, Batch.id == Homework.batch_id).outerjoin(HomeworkItem, HomeworkItem.homework_id == Homework.id)
         .group_by(Homework.id, Batch.name))
    if batch_ids is not None:
        q = q.where(Homework.batch_id.in_(batch_ids or [-1]))
    if due_from is not None:
        q = q.where(Homework.due_at >= due_from)
    if due_to is not None:
        q = q.where(Homework.due_at < due_to)
    if homework_id is not None:
        q = q.where(Homework.id == homework_id)
    rows = s.execute(q.order_by(Homework.due_at.desc(), Homework.id.desc()).limit(limit)).all()
    return [HomeworkSummary(h.id, h.batch_id, batch, h.title, h.description, h.due_at, int(n or 0), int(done or 0),
                            int(late or 0), int(rev or 0), int(nf or 0))
            for h, batch, n, done, late, rev, nf in rows]


def list_homework(uow: UnitOfWork, actor: Actor, batch_id: int | None = None) -> list[HomeworkSummary]:
    """The homework of the batches this person may manage (admins: all), per batch with counts."""
    with uow:
        me = load_active(uow.session, actor)
        allowed = access.settable_batch_ids(uow.session, me)
        ids = allowed if batch_id is None else ([batch_id] if allowed is None or batch_id in allowed else [])
        return summaries_in(uow.session, ids)


def batch_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The active batches this person may set homework for, by name (empty: none)."""
    with uow:
        me = load_active(uow.session, actor)
        allowed = access.settable_batch_ids(uow.session, me)
        q = select(Batch.id, Batch.name).where(Batch.active.is_(True)).order_by(Batch.name)
        if allowed is not None:
            q = q.where(Batch.id.in_(allowed or [-1]))
        return [(i, n) for i, n in uow.session.execute(q)]


def _items(s: Session, now: datetime, homework: Homework, where: object) -> list[ItemRow]:
    rows = s.execute(select(HomeworkItem, Person.name).join(Person, Person.id == HomeworkItem.student_id)
                     .where(where).order_by(Person.name, HomeworkItem.id)).all()
    files = _file_rows(s, [homework.id], [i.id for i, _ in rows])
    return [ItemRow(i.id, i.homework_id, i.student_id, name, item_state(i.status, i.late, homework.due_at, now),
                    i.text, i.handed_in_at, i.late, i.comment, i.reviewed_at, tuple(files.get((homework.id, i.id), ())))
            for i, name in rows]


def homework_detail(uow: UnitOfWork, actor: Actor, homework_id: int) -> HomeworkDetail:
    """One homework with every student's item, for its batch's teachers and admins."""
    with uow:
        s, now = uow.session, uow.now
        me = load_active(s, actor)
        homework = s.get(Homework, homework_id)
        if homework is None or not access.may_manage(s, me, homework.batch_id):
            raise NotFound("No such homework.")
        [summary] = summaries_in(s, None, homework_id=homework.id)
        setter = s.get(Person, homework.set_by_id) if homework.set_by_id else None
        files = _file_rows(s, [homework.id], [])
        return HomeworkDetail(summary, setter.name if setter else None, tuple(files.get((homework.id, None), ())),
                              tuple(_items(s, now, homework, HomeworkItem.homework_id == homework.id)), True)


def item_detail(uow: UnitOfWork, actor: Actor, item_id: int) -> tuple[HomeworkDetail, ItemRow]:
    """One student's item with its homework: for the student, and the batch's teachers and admins."""
    with uow:
        s, now = uow.session, uow.now
        me = load_active(s, actor)
        item = s.get(HomeworkItem, item_id)
        homework = s.get(Homework, item.homework_id) if item is not None else None
        if item is None or homework is None:
            raise NotFound("No such homework.")
        staff = access.may_manage(s, me, homework.batch_id)
        if not staff and item.student_id != me.id:
            raise NotFound("No such homework.")
        [summary] = summaries_in(s, None, homework_id=homework.id)
        files = _file_rows(s, [homework.id], [])
        [row] = _items(s, now, homework, HomeworkItem.id == item.id)
        return HomeworkDetail(summary, None, tuple(files.get((homework.id, None), ())), (row,), staff), row


def student_rows(s: Session, student_id: int, now: datetime, where: list[object],
                  limit: int | None = None) -> list[StudentHomework]:
    """A student's homework items matching `where`, newest due first (inside a caller's session)."""
    files = (select(func.count()).where(HomeworkFile.homework_id == Homework.id, HomeworkFile.item_id.is_(None))
             .correlate(Homework).scalar_subquery())
    q = (select(HomeworkItem, Homework, Batch.name, files).join(Homework, Homework.id == HomeworkItem.homework_id)
         .join(Batch, Batch.id == Homework.batch_id).where(HomeworkItem.student_id == student_id, *where)
         .order_by(Homework.due_at.desc(), Homework.id.desc()))
    if limit is not None:
        q = q.limit(limit)
    return [StudentHomework(i.id, h.id, h.title, batch, h.due_at, item_state(i.status, i.late, h.due_at, now),
                            i.comment, h.description, int(nf or 0))
            for i, h, batch, nf in s.execute(q)]


def homework_for_student(uow: UnitOfWork, student_id: int, since: datetime | None = None) -> list[StudentHomework]:
    """A student's homework due since `since` (all when None), newest due first: title, batch, due, status
    (open, handed_in, late, missing, reviewed) and the teacher's comment. A plain read for other features:
    the caller decides who may see it."""
    with uow:
        where = [Homework.due_at >= since] if since is not None else []
        return student_rows(uow.session, student_id, uow.now, where)


def homework_counts(uow: UnitOfWork, student_id: int, last_n: int = 10) -> tuple[int, int]:
    """(set, handed in) over the student's `last_n` most recent items that count: due already, or handed in.
    Only the student's own items (their batches' homework), so another batch never weighs in; (0, 0) means
    no data, not "safe"."""
    with uow:
        s, now = uow.session, uow.now
        handed = HomeworkItem.status.in_([HomeworkStatus.HANDED_IN, HomeworkStatus.REVIEWED])
        rows = s.execute(select(handed).join(Homework, Homework.id == HomeworkItem.homework_id).where(
            HomeworkItem.student_id == student_id, (Homework.due_at <= now) | handed)
            .order_by(Homework.due_at.desc(), Homework.id.desc()).limit(max(0, last_n))).scalars().all()
        return len(rows), sum(1 for r in rows if r)


def my_open(uow: UnitOfWork, actor: Actor, limit: int = 20) -> list[StudentHomework]:
    """The acting student's homework not handed in yet (due soonest first)."""
    with uow:
        me = load_active(uow.session, actor)
        rows = student_rows(uow.session, me.id, uow.now, [HomeworkItem.status == HomeworkStatus.OPEN])
        return sorted(rows, key=lambda r: r.due_at)[:limit]


def homework_files(uow: UnitOfWork, actor: Actor, homework_id: int) -> list[FileRow]:
    """The teacher's files of a homework, for its students and its batch's staff."""
    with uow:
        s = uow.session
        me = load_active(s, actor)
        homework = s.get(Homework, homework_id)
        mine = s.scalar(select(HomeworkItem.id).where(HomeworkItem.homework_id == homework_id,
                                                      HomeworkItem.student_id == me.id))
        if homework is None or (mine is None and not access.may_manage(s, me, homework.batch_id)):
            raise NotFound("No such homework.")
        return _file_rows(s, [homework_id], []).get((homework_id, None), [])
