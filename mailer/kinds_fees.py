"""Emails about fees: the receipt of a payment (or refund) and the reminders of an unpaid due."""

from __future__ import annotations

from domain.fees.notify import reminder_words
from domain.outbox import Delivery
from mailer.registry import Email, Link, MailContext, body, renders


@renders("fee_receipt")
def fee_receipt(ctx: MailContext, d: Delivery) -> Email:
    """The receipt: amount, child, fee, date, method, reference, and what is left."""
    x = d.data
    verb = "refunded" if x.get("refund") else "received"
    ref = f", reference {x.get('reference')}" if x.get("reference") else ""
    left = "Paid in full. Thank you!" if x.get("settled") else f"Still to pay: {x.get('left')}."
    text, markup = body([f"{x.get('amount')} {verb} for {x.get('child')}: {x.get('label')}.",
                         f"{x.get('paid_on')} · {x.get('method')}{ref} · receipt #{x.get('payment_id')} "
                         f"({x.get('ref')})", left])
    kind = "Refund" if x.get("refund") else "Receipt"
    return Email(f"{kind}: {x.get('amount')} for {x.get('child')}", text, markup)


@renders("fee_reminder")
def fee_reminder(ctx: MailContext, d: Delivery) -> Email:
    """A fee coming up or overdue, with the payment link when the organisation set one."""
    x = d.data
    link = str(x.get("link") or "")
    text, markup = body([reminder_words(x), "Already paid? Tell the office; the reminders stop once it is recorded."],
                        [Link("Pay now", link) if link else None])
    stage = int(str(x.get("stage") or 1))
    title = "Fee reminder" if stage == 1 else ("Final fee reminder" if stage == 4 else "Fee overdue")
    return Email(f"{title}: {x.get('child')}, {x.get('left')}", text, markup)
