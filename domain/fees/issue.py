"""Issuing dues: for every active plan, each period from its start to today's, one due per student
enrolled at some time in that period. Idempotent: a due's `issue_key` ("plan:<plan>:<student>:<period>")
is unique and the keys already there are skipped, so running twice (or two schedulers) issues once."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.fees.periods import (
    bounds,
    due_date,
    local_today,
    owed_for,
    period_label,
    periods_between,
)
from domain.models import Batch, Enrolment, FeeDue, FeePlan
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork


def issue_key(plan_id: int, student_id: int, period: str) -> str:
    return f"plan:{plan_id}:{student_id}:{period}"


def _rows_for(session: Session, plan: FeePlan, batch_name: str, today: date, now: object) -> list[dict[str, object]]:
    enrolments = session.execute(select(Enrolment.student_id, Enrolment.enrolled_on, Enrolment.left_on)
                                 .where(Enrolment.batch_id == plan.batch_id)).all()
    rows = []
    for period in periods_between(plan.starts_on, today):
        start, end = bounds(period)
        due_on = due_date(period, plan.due_day)
        for student_id, enrolled_on, left_on in enrolments:
            if enrolled_on > end or (left_on is not None and left_on < start) or enrolled_on > today:
                continue
            amount = owed_for(period, plan.amount_minor, plan.join_rule, enrolled_on)
            if amount <= 0:
                continue
            rows.append({
                "issue_key": issue_key(plan.id, student_id, period), "student_id": student_id,
                "plan_id": plan.id, "batch_id": plan.batch_id, "period": period,
                "label": f"{plan.name} · {batch_name} · {period_label(period)}", "amount_minor": amount,
                "paid_minor": 0, "due_on": max(due_on, enrolled_on), "payment_link": plan.payment_link,
                "reminder_stage": 0, "created_at": now})
    return rows


def _insert(session: Session, rows: list[dict[str, object]]) -> int:
    if not rows:
        return 0
    have = set(session.scalars(select(FeeDue.issue_key).where(FeeDue.issue_key.in_([r["issue_key"] for r in rows]))))
    fresh = [r for r in rows if r["issue_key"] not in have]
    if not fresh:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    result = session.execute(insert(FeeDue).on_conflict_do_nothing(index_elements=["issue_key"])
                             .returning(FeeDue.id), fresh)
    return len(result.all())


def issue_due(uow: UnitOfWork, today: date | None = None) -> int:
    """Issue every plan's dues up to today's period (the scheduler's daily job); returns how many are new."""
    made = 0
    with uow:
        s = uow.session
        day = today or local_today(s, uow.now)
        plans = s.execute(select(FeePlan, Batch.name).join(Batch, Batch.id == FeePlan.batch_id)
                          .where(FeePlan.active.is_(True), FeePlan.starts_on <= day)).all()
        for plan, batch_name in plans:
            made += _insert(s, _rows_for(s, plan, batch_name, day, uow.now))
        uow.commit()
    return made


def issue_now(uow: UnitOfWork, actor: Actor, today: date | None = None) -> int:
    """An admin's "Issue dues now" (the job's work, at once); audited when it made any."""
    with uow:
        require_or_system(uow.session, actor, FEES_MANAGE)
    made = issue_due(uow.db.uow(), today)
    if made:
        with uow.db.uow() as w:
            audit.record(w.session, actor, "fees.issued", "fee_due", None, w.now, count=made)
            w.commit()
    return made
