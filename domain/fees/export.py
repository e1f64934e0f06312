"""CSV of the dues (the console's filters) and of the payments, amounts in major units with the currency."""

from __future__ import annotations

import csv
import io

from sqlalchemy import select
from sqlalchemy.orm import aliased

from domain.actors import Actor
from domain.fees.money import currency_of, plain_major
from domain.fees.periods import local_today
from domain.fees.queries import DueFilter, filter_conditions, rows_where
from domain.models import FeeDue, FeePayment, Person
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork


def _safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") and not _number(text) else text


def _number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def dues_csv(uow: UnitOfWork, actor: Actor, q: DueFilter) -> str:
    """Every due matching the filter."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        cur, today = currency_of(uow.session), local_today(s, uow.now)
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["ref", "student", "batch", "fee", "period", "due_on", "currency", "amount", "paid", "balance",
                    "status", "days_overdue"])
        for r in rows_where(s, today, *filter_conditions(q, today)):
            w.writerow([r.ref, _safe(r.student_name), _safe(r.batch_name), _safe(r.label), r.period or "",
                        r.due_on.isoformat(), cur.code, plain_major(r.amount_minor, cur),
                        plain_major(r.paid_minor, cur), plain_major(r.balance_minor, cur), r.status, r.days_overdue])
        return out.getvalue()


def payments_csv(uow: UnitOfWork, actor: Actor) -> str:
    """Every payment and refund, newest first."""
    with uow:
        s = uow.session
        require_or_system(s, actor, FEES_MANAGE)
        cur = currency_of(uow.session)
        by_whom = aliased(Person)
        recorder = select(by_whom.name).where(by_whom.id == FeePayment.recorded_by).scalar_subquery()
        out = io.StringIO()
        w = csv.writer(out)
        w.writerow(["payment", "due_ref", "student", "fee", "paid_on", "currency", "amount", "method", "reference",
                    "recorded_by"])
        for p, student, label, by in s.execute(
                select(FeePayment, Person.name, FeeDue.label, recorder).join(FeeDue, FeeDue.id == FeePayment.due_id)
                .join(Person, Person.id == FeePayment.student_id)
                .order_by(FeePayment.paid_on.desc(), FeePayment.id.desc())).all():
            w.writerow([p.id, f"FEE-{p.due_id}", _safe(student), _safe(label), p.paid_on.isoformat(), cur.code,
                        plain_major(p.amount_minor, cur), p.method, _safe(p.reference), _safe(by or "")])
        return out.getvalue()
