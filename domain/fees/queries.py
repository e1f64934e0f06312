"""Reading dues: one row shape (`DueRow`) and one status rule (paid / overdue / open) for every page,
message and brief. `dues_for_student` and `fee_status` are for other features (the portal, the risk
engine): plain reads by student id, the caller having decided who may see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, and_, func, select
from sqlalchemy.orm import Session

from domain.actors import Actor
from domain.fees.money import Currency, currency_of, money_text
from domain.fees.notify import due_ref, link_for, org_link
from domain.fees.periods import local_today
from domain.models import Batch, FeeDue, Person
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork

PAID, OVERDUE, OPEN = "paid", "overdue", "open"
FILTERS = ("unpaid", OVERDUE, OPEN, PAID)  # the console's status filter ("unpaid": overdue or open)


@dataclass(frozen=True)
class DueRow:
    """One due as people see it; amounts in minor units with their text beside them."""

    id: int
    ref: str
    student_id: int
    student_name: str
    batch_id: int | None
    batch_name: str
    label: str
    period: str | None
    due_on: date
    amount_minor: int
    paid_minor: int
    balance_minor: int
    status: str  # paid, overdue or open
    days_overdue: int
    amount_text: str
    paid_text: str
    balance_text: str
    payment_link: str | None
    reminder_stage: int


@dataclass(frozen=True)
class FeeStatus:
    """A student's worst fee state today (for the risk engine)."""

    max_days_overdue: int  # 0: nothing overdue
    overdue_minor: int
    overdue_count: int
    balance_minor: int  # everything still owed, due or not


def status_of(balance: int, due_on: date, today: date) -> str:
    """paid (nothing left), overdue (something left after the due date) or open."""
    if balance <= 0:
        return PAID
    return OVERDUE if due_on < today else OPEN


def balance_col() -> ColumnElement[int]:
    return FeeDue.amount_minor - FeeDue.paid_minor


def status_condition(status: str, today: date) -> ColumnElement[bool]:
    """The SQL for one status filter (the same rule as `status_of`)."""
    if status == PAID:
        return balance_col() <= 0
    if status == OVERDUE:
        return and_(balance_col() > 0, FeeDue.due_on < today)
    if status == OPEN:
        return and_(balance_col() > 0, FeeDue.due_on >= today)
    return balance_col() > 0  # unpaid


def row_select():  # type: ignore[no-untyped-def]
    """Dues with their student's and batch's names."""
    return (select(FeeDue, Person.name, Batch.name).join(Person, Person.id == FeeDue.student_id)
            .outerjoin(Batch, Batch.id == FeeDue.batch_id))


def to_row(due: FeeDue, student: str, batch: str | None, today: date, cur: Currency, link: str) -> DueRow:
    balance = due.amount_minor - due.paid_minor
    status = status_of(balance, due.due_on, today)
    return DueRow(due.id, due_ref(due.id), due.student_id, student, due.batch_id, batch or "", due.label, due.period,
                  due.due_on, due.amount_minor, due.paid_minor, balance, status,
                  (today - due.due_on).days if status == OVERDUE else 0, money_text(due.amount_minor, cur),
                  money_text(due.paid_minor, cur), money_text(balance, cur),
                  link_for(due, cur, link) if balance > 0 else None, due.reminder_stage)


def rows_where(session: Session, today: date, *where: ColumnElement[bool], limit: int | None = None,
               offset: int = 0) -> list[DueRow]:
    """Dues matching `where`, newest due date first."""
    cur, link = currency_of(session), org_link(session)
    stmt = row_select().where(*where).order_by(FeeDue.due_on.desc(), Person.name, FeeDue.id).offset(offset)
    if limit is not None:
        stmt = stmt.limit(limit)
    return [to_row(d, n, b, today, cur, link) for d, n, b in session.execute(stmt).all()]


def dues_for_student(uow: UnitOfWork, student_id: int, today: date | None = None) -> list[DueRow]:
    """Every due of one student, newest first (for the portal and other features)."""
    with uow:
        day = today or local_today(uow.session, uow.now)
        return rows_where(uow.session, day, FeeDue.student_id == student_id)


def status_in(session: Session, student_id: int, today: date) -> FeeStatus:
    """`fee_status` inside a caller's transaction."""
    overdue = status_condition(OVERDUE, today)
    worst, owed, count = session.execute(select(
        func.min(FeeDue.due_on), func.coalesce(func.sum(balance_col()), 0), func.count())
        .where(FeeDue.student_id == student_id, overdue)).one()
    total = session.scalar(select(func.coalesce(func.sum(balance_col()), 0)).where(
        FeeDue.student_id == student_id, balance_col() > 0)) or 0
    return FeeStatus((today - worst).days if worst else 0, int(owed), int(count), int(total))


def fee_status(uow: UnitOfWork, student_id: int, today: date) -> FeeStatus:
    """A student's overdue state on `today`: the most days overdue and the overdue amount (risk engine)."""
    with uow:
        return status_in(uow.session, student_id, today)


@dataclass(frozen=True)
class DueFilter:
    status: str | None = None  # one of FILTERS
    batch_id: int | None = None
    student_id: int | None = None


@dataclass(frozen=True)
class DueList:
    rows: list[DueRow]
    total: int
    balance_text: str  # the unpaid sum of every due matching the filter


def filter_conditions(q: DueFilter, today: date) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if q.status in FILTERS:
        where.append(status_condition(q.status, today))
    if q.batch_id is not None:
        where.append(FeeDue.batch_id == q.batch_id)
    if q.student_id is not None:
        where.append(FeeDue.student_id == q.student_id)
    return where


def list_dues(uow: UnitOfWork, actor: Actor, q: DueFilter, limit: int = 100, offset: int = 0) -> DueList:
    """The console's dues list (fees.manage): one page of the filtered dues and their unpaid sum."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        today = local_today(s, uow.now)
        where = filter_conditions(q, today)
        total, owed = s.execute(select(func.count(), func.coalesce(func.sum(
            func.max(balance_col(), 0) if uow.dialect == "sqlite" else func.greatest(balance_col(), 0)), 0))
            .select_from(FeeDue).where(*where)).one()
        return DueList(rows_where(s, today, *where, limit=limit, offset=offset), int(total),
                       money_text(int(owed), currency_of(uow.session)))
