"""Fee totals for the people who run the organisation: due this month, collected this month, overdue
(the console's alert card, the admin's /fees and brief), and per batch for a teacher's brief."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.fees.money import currency_of, money_text
from domain.fees.periods import bounds, local_today, period_of
from domain.fees.queries import OVERDUE, balance_col, status_condition
from domain.models import Batch, BatchTeacher, FeeDue, FeePayment, Person
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import can, require_or_system
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class Totals:
    due_this_month_minor: int
    due_this_month_text: str
    collected_this_month_text: str
    overdue_minor: int
    overdue_text: str
    overdue_count: int  # overdue dues
    overdue_students: int


def totals_in(s: Session, today: date) -> Totals:
    """This month's billed and collected sums and everything overdue now."""
    cur = currency_of(session=s)
    start, end = bounds(period_of(today))
    billed = s.scalar(select(func.coalesce(func.sum(FeeDue.amount_minor), 0)).where(
        FeeDue.due_on >= start, FeeDue.due_on <= end)) or 0
    collected = s.scalar(select(func.coalesce(func.sum(FeePayment.amount_minor), 0)).where(
        FeePayment.paid_on >= start, FeePayment.paid_on <= end)) or 0
    owed, count, students = s.execute(select(func.coalesce(func.sum(balance_col()), 0), func.count(),
                                             func.count(func.distinct(FeeDue.student_id)))
                                      .where(status_condition(OVERDUE, today))).one()
    return Totals(int(billed), money_text(int(billed), cur), money_text(int(collected), cur), int(owed),
                  money_text(int(owed), cur), int(count), int(students))


def manages_fees(uow: UnitOfWork, actor: Actor) -> bool:
    """Whether the actor holds fees.manage (the bot's /fees chooses its answer by it)."""
    with uow:
        return can(uow.session, load_active(uow.session, actor), FEES_MANAGE)


def fee_card(uow: UnitOfWork, actor: Actor) -> Totals | None:
    """The console's fee alert card: the totals for someone holding fees.manage, else None."""
    with uow:
        person = uow.session.get(Person, actor.person_id) if actor.person_id else None
        if person is None or not can(uow.session, person, FEES_MANAGE):
            return None
        return totals_in(uow.session, local_today(uow.session, uow.now))


@dataclass(frozen=True)
class OverdueLine:
    student_id: int
    name: str
    owed_text: str
    oldest_days: int


@dataclass(frozen=True)
class BatchLine:
    name: str
    owed_text: str
    students: int


@dataclass(frozen=True)
class Overview:
    totals: Totals
    students: list[OverdueLine]  # the most owed first
    batches: list[BatchLine]


def overview(uow: UnitOfWork, actor: Actor, top: int = 10) -> Overview:
    """The admin's /fees: totals, overdue by batch, and the students owing most."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        today, cur = local_today(s, uow.now), currency_of(uow.session)
        overdue = status_condition(OVERDUE, today)
        students = [OverdueLine(sid, name, money_text(int(owed), cur), (today - oldest).days)
                    for sid, name, owed, oldest in s.execute(
                        select(FeeDue.student_id, Person.name, func.sum(balance_col()), func.min(FeeDue.due_on))
                        .join(Person, Person.id == FeeDue.student_id).where(overdue)
                        .group_by(FeeDue.student_id, Person.name)
                        .order_by(func.sum(balance_col()).desc(), Person.name).limit(top)).all()]
        batches = [BatchLine(name or "One-off fees", money_text(int(owed), cur), int(n))
                   for name, owed, n in s.execute(
                       select(Batch.name, func.sum(balance_col()), func.count(func.distinct(FeeDue.student_id)))
                       .outerjoin(Batch, Batch.id == FeeDue.batch_id).where(overdue)
                       .group_by(Batch.name).order_by(func.sum(balance_col()).desc())).all()]
        return Overview(totals_in(s, today), students, batches)


def batch_month_lines(s: Session, batch_ids: list[int], today: date) -> list[str]:
    """Per batch: this month's dues still unpaid, their sum and how many are overdue (a teacher's brief)."""
    if not batch_ids:
        return []
    cur = currency_of(session=s)
    start, end = bounds(period_of(today))
    rows = s.execute(select(Batch.name, func.count(), func.sum(balance_col()),
                            func.sum(case((FeeDue.due_on < today, 1), else_=0)))
                     .join(Batch, Batch.id == FeeDue.batch_id)
                     .where(FeeDue.batch_id.in_(batch_ids), FeeDue.due_on >= start, FeeDue.due_on <= end,
                            balance_col() > 0)
                     .group_by(Batch.name).order_by(Batch.name)).all()
    return [f"{name}: {n} unpaid ({money_text(int(owed), cur)})" + (f", {int(late)} overdue" if late else "")
            for name, n, owed, late in rows]


def my_batches_month(uow: UnitOfWork, actor: Actor) -> list[str]:
    """A teacher's /fees: this month's unpaid dues of the batches they teach (what their brief says)."""
    with uow:
        me = load_active(uow.session, actor)
        batches = list(uow.session.scalars(select(BatchTeacher.batch_id).where(BatchTeacher.person_id == me.id)))
        return batch_month_lines(uow.session, batches, local_today(uow.session, uow.now))
