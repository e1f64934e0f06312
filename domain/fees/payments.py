"""Recording payments (partial ones too) and refunds (negative payments) against a due; the parents get
a receipt in Telegram, and once a due is paid its reminders stop (unsent ones are withdrawn)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.fees.money import currency_of, money_text, parse_amount
from domain.fees.notify import receipt_intents
from domain.models import FeeDue, FeePayment, Notification, NotificationStatus
from domain.outbox import NotificationKind, enqueue
from domain.perms.catalogue import FEES_MANAGE
from domain.perms.check import require_or_system
from domain.textinput import check_text
from domain.uow import UnitOfWork

METHODS = ("cash", "upi", "bank transfer", "card", "cheque", "other")


@dataclass(frozen=True)
class Recorded:
    payment_id: int
    due_id: int
    student_id: int
    amount_text: str
    left_text: str
    settled: bool
    receipts: int


def record_payment(uow: UnitOfWork, actor: Actor, due_id: int, amount: str, paid_on: date, method: str,
                   reference: str = "", *, refund: bool = False) -> Recorded:
    """Record money received for a due (or refunded, with `refund`): no more than is still owed, no
    refund beyond what was paid. One transaction: the payment, the due's paid total, the audit entry,
    a receipt to each parent, and (once paid in full) its pending reminders withdrawn."""
    with uow:
        s = uow.session
        me = require_or_system(s, actor, FEES_MANAGE)
        if method not in METHODS:
            raise InvalidInput(f"Choose how it was paid: {', '.join(METHODS)}.")
        ref = check_text((reference or "").strip(), "The reference", multiline=False)[:120]
        currency = currency_of(uow.session)
        minor = parse_amount(amount, currency)
        due = s.scalar(select(FeeDue).where(FeeDue.id == due_id).with_for_update())
        if due is None:
            raise NotFound("There is no such due.")
        left = due.amount_minor - due.paid_minor
        if refund:
            if minor > due.paid_minor:
                raise InvalidInput(f"Only {money_text(due.paid_minor, currency)} was paid for this due; "
                                   "a refund cannot be more.")
            minor = -minor
        elif minor > left:
            raise InvalidInput(f"Only {money_text(max(left, 0), currency)} is still due; record no more than that.")
        payment = FeePayment(due_id=due.id, student_id=due.student_id, amount_minor=minor, paid_on=paid_on,
                             method=method, reference=ref, recorded_by=me.id if me else None, created_at=uow.now)
        s.add(payment)
        due.paid_minor += minor
        settled = due.paid_minor >= due.amount_minor
        due.paid_at = uow.now if settled else None
        s.flush()
        if settled:
            s.execute(update(Notification).where(
                Notification.kind == NotificationKind.FEE_REMINDER.value, Notification.subject_type == "fee_due",
                Notification.subject_id == due.id, Notification.status == NotificationStatus.PENDING)
                .values(status=NotificationStatus.DEAD, last_error="paid before it was sent")
                .execution_options(synchronize_session=False))
        audit.record(s, actor, "fees.refund" if refund else "fees.payment", "fee_due", due.id, uow.now,
                     payment_id=payment.id, amount_minor=minor, method=method, reference=ref,
                     paid_on=paid_on.isoformat(), paid_minor=due.paid_minor)
        intents = receipt_intents(s, due, payment.id, minor, paid_on, method, ref, currency)
        enqueue(s, intents, uow.now)
        result = Recorded(payment.id, due.id, due.student_id, money_text(abs(minor), currency),
                          money_text(max(due.amount_minor - due.paid_minor, 0), currency), settled, len(intents))
        uow.commit()
        return result
