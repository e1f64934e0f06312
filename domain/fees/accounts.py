"""A student's account (dues, payments, balance) and their family's balance (every child of the student's
parents); and what a parent (or student) reads in /fees: their own children's dues only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from domain.actors import Actor, load_active
from domain.errors import NotFound
from domain.fees.money import currency_of, money_text
from domain.fees.periods import local_today
from domain.fees.queries import PAID, DueRow, balance_col, rows_where
from domain.models import FeeDue, FeePayment, ParentLink, Person, Role
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork
from domain.words import day_text


@dataclass(frozen=True)
class PaymentRow:
    id: int
    due_id: int
    label: str
    amount_minor: int
    amount_text: str
    paid_on: date
    paid_on_text: str
    method: str
    reference: str
    recorded_by: str
    refund: bool


@dataclass(frozen=True)
class Member:
    """One child of a family, with what they owe."""

    id: int
    name: str
    balance_minor: int
    balance_text: str


@dataclass(frozen=True)
class Account:
    student_id: int
    name: str
    dues: list[DueRow]
    payments: list[PaymentRow]
    balance_minor: int
    balance_text: str
    overdue_text: str
    parents: list[str]
    family: list[Member]  # the student and their siblings (children of the same parents)
    family_balance_text: str


def balance_of(session: Session, student_ids: list[int]) -> dict[int, int]:
    """What each student still owes (all dues, due or not)."""
    rows = session.execute(select(FeeDue.student_id, func.sum(balance_col())).where(
        FeeDue.student_id.in_(student_ids)).group_by(FeeDue.student_id)).all()
    found = {sid: int(total or 0) for sid, total in rows}
    return {sid: found.get(sid, 0) for sid in student_ids}


def family_of(session: Session, student_id: int) -> list[tuple[int, str]]:
    """The student and every other child of their parents, by name."""
    parents = select(ParentLink.parent_id).where(ParentLink.child_id == student_id)
    ids = set(session.scalars(select(ParentLink.child_id).where(ParentLink.parent_id.in_(parents)))) | {student_id}
    return [(pid, name) for pid, name in session.execute(
        select(Person.id, Person.name).where(Person.id.in_(ids)).order_by(Person.name))]


def payments_of(session: Session, student_id: int) -> list[PaymentRow]:
    """A student's payments and refunds, newest first."""
    cur = currency_of(session)
    by_whom = aliased(Person)
    recorder = select(by_whom.name).where(by_whom.id == FeePayment.recorded_by).scalar_subquery()
    rows = session.execute(select(FeePayment, FeeDue.label, recorder).join(FeeDue, FeeDue.id == FeePayment.due_id)
                           .where(FeePayment.student_id == student_id)
                           .order_by(FeePayment.paid_on.desc(), FeePayment.id.desc())).all()
    return [PaymentRow(p.id, p.due_id, label, p.amount_minor, money_text(p.amount_minor, cur), p.paid_on,
                       day_text(p.paid_on), p.method, p.reference, by or "", p.amount_minor < 0)
            for p, label, by in rows]


def student_account(uow: UnitOfWork, actor: Actor, student_id: int) -> Account:
    """The console's student balance page (fees.manage)."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        student = s.get(Person, student_id)
        if student is None or student.role != Role.STUDENT:
            raise NotFound("There is no such student.")
        cur, today = currency_of(uow.session), local_today(s, uow.now)
        dues = rows_where(s, today, FeeDue.student_id == student_id)
        family = family_of(s, student_id)
        balances = balance_of(s, [fid for fid, _ in family])
        parents = list(s.scalars(select(Person.name).join(ParentLink, ParentLink.parent_id == Person.id)
                                 .where(ParentLink.child_id == student_id).order_by(Person.name)))
        overdue = sum(d.balance_minor for d in dues if d.status == "overdue")
        return Account(student.id, student.name, dues, payments_of(s, student_id), balances[student_id],
                       money_text(balances[student_id], cur), money_text(overdue, cur), parents,
                       [Member(fid, name, balances[fid], money_text(balances[fid], cur)) for fid, name in family],
                       money_text(sum(balances.values()), cur))


@dataclass(frozen=True)
class ChildFees:
    id: int
    name: str
    dues: list[DueRow]  # unpaid ones, and the last few paid
    balance_text: str
    overdue_text: str
    overdue_count: int


@dataclass(frozen=True)
class FamilyFees:
    children: list[ChildFees]
    family_balance_text: str


RECENT_PAID = 3


def my_family_fees(uow: UnitOfWork, actor: Actor) -> FamilyFees:
    """For a parent, each of their children's dues; for a student, their own. Nobody else's."""
    with uow:
        s = uow.session
        me = load_active(s, actor)
        if me.role == Role.PARENT:
            kids = s.execute(select(Person.id, Person.name).join(ParentLink, ParentLink.child_id == Person.id)
                             .where(ParentLink.parent_id == me.id).order_by(Person.name)).all()
        else:
            kids = [(me.id, me.name)]
        cur, today = currency_of(uow.session), local_today(s, uow.now)
        out, total = [], 0
        for kid_id, kid_name in kids:
            rows = rows_where(s, today, FeeDue.student_id == kid_id)
            unpaid = [r for r in rows if r.status != PAID]
            shown = unpaid + [r for r in rows if r.status == PAID][:RECENT_PAID]
            balance = sum(r.balance_minor for r in rows)
            overdue = [r for r in unpaid if r.status == "overdue"]
            total += balance
            out.append(ChildFees(kid_id, kid_name, shown, money_text(balance, cur),
                                 money_text(sum(r.balance_minor for r in overdue), cur), len(overdue)))
        return FamilyFees(out, money_text(total, cur))
