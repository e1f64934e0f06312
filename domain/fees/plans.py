"""Fee plans per batch (create, edit) and one-off fees to students or a whole batch."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.fees.money import currency_of, money_text, parse_amount
from domain.fees.periods import local_today
from domain.models import Batch, Enrolment, FeeDue, FeePlan, JoinRule, Person, Role
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork

JOIN_WORDS = {JoinRule.FULL: "full amount", JoinRule.PRO_RATA: "pro rata",
              JoinRule.NEXT_PERIOD: "from the next month"}


@dataclass(frozen=True)
class PlanForm:
    """What a person typed for a plan (amounts as text, checked by the service)."""

    batch_id: int
    name: str
    amount: str
    due_day: int
    join_rule: str = "full"
    starts_on: date | None = None
    payment_link: str = ""
    active: bool = True


@dataclass(frozen=True)
class PlanView:
    id: int
    batch_id: int
    batch_name: str
    name: str
    amount_minor: int
    amount_text: str
    due_day: int
    join_rule: str
    join_words: str
    starts_on: date
    payment_link: str
    active: bool


def _link(raw: str) -> str | None:
    text = (raw or "").strip()
    if not text:
        return None
    if not text.startswith(("https://", "http://")) or len(text) > 500 or " " in text:
        raise InvalidInput("The payment link must be a web address starting with https://.")
    return text


def _checked(session: Session, form: PlanForm) -> tuple[str, int, JoinRule]:
    name = (form.name or "").strip()
    if not 1 <= len(name) <= 120:
        raise InvalidInput("Give the plan a name (up to 120 characters), e.g. Tuition.")
    if session.get(Batch, form.batch_id) is None:
        raise NotFound("There is no such batch.")
    if not 1 <= form.due_day <= 28:
        raise InvalidInput("The due day must be from 1 to 28 (every month has it).")
    try:
        rule = JoinRule(form.join_rule)
    except ValueError:
        raise InvalidInput("Choose what a student joining mid-month pays: full, pro_rata or next_period.") from None
    return name, parse_amount(form.amount, currency_of(session)), rule


def view_of(session: Session, plan: FeePlan) -> PlanView:
    """A plan as pages show it."""
    batch = session.get(Batch, plan.batch_id)
    return PlanView(plan.id, plan.batch_id, batch.name if batch else "", plan.name, plan.amount_minor,
                    money_text(plan.amount_minor, currency_of(session)), plan.due_day, plan.join_rule.value,
                    JOIN_WORDS[plan.join_rule], plan.starts_on, plan.payment_link or "", plan.active)


def save_plan(uow: UnitOfWork, actor: Actor, form: PlanForm, plan_id: int | None = None) -> PlanView:
    """Create a plan (plan_id None) or change one; changes apply to dues issued from now on. Audited."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        name, amount, rule = _checked(s, form)
        if plan_id is None:
            plan = FeePlan(batch_id=form.batch_id, created_at=uow.now)
            s.add(plan)
        else:
            found = s.get(FeePlan, plan_id)
            if found is None:
                raise NotFound("There is no such fee plan.")
            plan = found
        plan.batch_id, plan.name, plan.amount_minor, plan.due_day, plan.join_rule = (
            form.batch_id, name, amount, form.due_day, rule)
        plan.starts_on = form.starts_on or plan.starts_on if plan_id else form.starts_on or local_today(s, uow.now)
        plan.payment_link, plan.active, plan.updated_at = _link(form.payment_link), form.active, uow.now
        s.flush()
        audit.record(s, actor, "fees.plan_created" if plan_id is None else "fees.plan_changed", "fee_plan",
                     plan.id, uow.now, batch_id=plan.batch_id, amount_minor=amount, due_day=plan.due_day,
                     join_rule=rule.value, active=plan.active)
        view = view_of(s, plan)
        uow.commit()
        return view


def list_plans(uow: UnitOfWork, actor: Actor) -> list[PlanView]:
    """Every plan, by batch and name."""
    with uow:
        require_or_system(uow.session, actor, FEES_MANAGE)
        plans = uow.session.scalars(select(FeePlan).join(Batch, Batch.id == FeePlan.batch_id)
                                    .order_by(Batch.name, FeePlan.name, FeePlan.id)).all()
        return [view_of(uow.session, p) for p in plans]


def get_plan(uow: UnitOfWork, actor: Actor, plan_id: int) -> PlanView:
    """One plan, for its edit form."""
    with uow:
        require_or_system(uow.session, actor, FEES_MANAGE)
        plan = uow.session.get(FeePlan, plan_id)
        if plan is None:
            raise NotFound("There is no such fee plan.")
        return view_of(uow.session, plan)


def add_one_off(uow: UnitOfWork, actor: Actor, label: str, amount: str, due_on: date,
                student_ids: list[int], batch_id: int | None = None, payment_link: str = "") -> int:
    """A one-off fee (an exam fee, a trip) to the named students and/or everyone enrolled in a batch now;
    returns how many dues were made. Audited."""
    with uow:
        s = uow.session
        me = require_or_system(s, actor, FEES_MANAGE)
        text = (label or "").strip()
        if not 1 <= len(text) <= 200:
            raise InvalidInput("Say what the fee is for (up to 200 characters), e.g. Exam fee.")
        minor = parse_amount(amount, currency_of(uow.session))
        link = _link(payment_link)
        today = local_today(s, uow.now)
        ids = set(student_ids)
        if batch_id is not None:
            if s.get(Batch, batch_id) is None:
                raise NotFound("There is no such batch.")
            ids |= set(s.scalars(select(Enrolment.student_id).where(
                Enrolment.batch_id == batch_id, Enrolment.enrolled_on <= today,
                (Enrolment.left_on.is_(None)) | (Enrolment.left_on >= today))))
        students = list(s.scalars(select(Person.id).where(Person.id.in_(ids), Person.role == Role.STUDENT)))
        if not students:
            raise InvalidInput("Choose a student or a batch with students enrolled.")
        batch = None if batch_id is None else batch_id
        tag = secrets.token_hex(6)
        s.add_all(FeeDue(issue_key=f"oneoff:{tag}:{sid}", student_id=sid, batch_id=batch, label=text,
                         amount_minor=minor, due_on=due_on, payment_link=link,
                         created_by=me.id if me else None, created_at=uow.now) for sid in students)
        audit.record(s, actor, "fees.one_off", "fee_due", None, uow.now, label=text, amount_minor=minor,
                     students=len(students), batch_id=batch_id)
        uow.commit()
        return len(students)


def batch_options(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The active batches a plan or a one-off fee can be for."""
    with uow:
        require_or_system(uow.session, actor, FEES_MANAGE)
        return [(i, n) for i, n in uow.session.execute(
            select(Batch.id, Batch.name).where(Batch.active.is_(True)).order_by(Batch.name))]
