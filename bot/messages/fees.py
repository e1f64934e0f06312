"""Fee receipts and reminders to parents (their words composed by domain.fees.notify), and /fees."""

from __future__ import annotations

import html

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.messages.registry import Rendered, Renderer, renders
from domain.fees.accounts import FamilyFees
from domain.fees.notify import reminder_words
from domain.fees.summary import Overview
from domain.outbox import Delivery, NotificationKind
from domain.words import plural


def _e(value: object) -> str:
    return html.escape(str(value or ""))


@renders(NotificationKind.FEE_RECEIPT)
def fee_receipt(r: Renderer, d: Delivery) -> Rendered:
    """A receipt: what was paid (or refunded) for which child and fee, and what is left."""
    x = d.data
    head = "↩️ <b>Refund</b>" if x.get("refund") else "🧾 <b>Payment received</b>"
    verb = "refunded" if x.get("refund") else "received"
    ref = f", ref. {_e(x.get('reference'))}" if x.get("reference") else ""
    left = "Paid in full. Thank you!" if x.get("settled") else f"Still to pay: <b>{_e(x.get('left'))}</b>"
    return Rendered(f"{head}\n{_e(x.get('amount'))} {verb} for <b>{_e(x.get('child'))}</b>: {_e(x.get('label'))}\n"
                    f"{_e(x.get('paid_on'))} · {_e(x.get('method'))}{ref} · receipt #{_e(x.get('payment_id'))} "
                    f"({_e(x.get('ref'))})\n{left}")


@renders(NotificationKind.FEE_REMINDER)
def fee_reminder(r: Renderer, d: Delivery) -> Rendered:
    """A reminder of an unpaid fee, with the organisation's payment link when it set one."""
    x = d.data
    stage = int(x.get("stage") or 1)
    head = "🔔 <b>Fee reminder</b>" if stage == 1 else ("⚠️ <b>Final fee reminder</b>" if stage == 4
                                                         else "⚠️ <b>Fee overdue</b>")
    link = str(x.get("link") or "")
    markup = InlineKeyboardMarkup([[InlineKeyboardButton("Pay now", url=link)]]) if link.startswith("https://") else None
    tail = "" if markup else (f"\nPay here: {_e(link)}" if link else "")
    return Rendered(f"{head}\n{_e(reminder_words(x))}{tail}\nAlready paid? Tell the office; this stops once it is recorded.",
                    markup)


def family_text(view: FamilyFees) -> str:
    """A parent's (or student's) /fees: per child, what is unpaid (overdue first) and the last paid."""
    if not view.children:
        return "No children are linked to you yet; ask the office."
    parts = []
    for child in view.children:
        lines = [f"<b>{_e(child.name)}</b>: balance {_e(child.balance_text)}"
                 + (f" ({child.overdue_count} overdue: {_e(child.overdue_text)})" if child.overdue_count else "")]
        if not child.dues:
            lines.append("No fees yet.")
        for due in child.dues:
            mark = {"paid": "✅", "overdue": "⚠️", "open": "•"}[due.status]
            state = ("paid" if due.status == "paid" else
                      f"{_e(due.balance_text)} left, {plural(due.days_overdue, 'day')} overdue"
                     if due.status == "overdue" else
                     f"due {due.due_on.day} {due.due_on:%b}" if not due.paid_minor
                     else f"{_e(due.balance_text)} left, due {due.due_on.day} {due.due_on:%b}")
            lines.append(f"{mark} {_e(due.label)}: {_e(due.amount_text)} ({state})")
        parts.append("\n".join(lines[:25]))
    many = len(view.children) > 1
    return "💰 <b>Fees</b>\n\n" + "\n\n".join(parts) + (
        f"\n\nFamily balance: <b>{_e(view.family_balance_text)}</b>" if many else "")


def overview_text(view: Overview) -> str:
    """The admin's /fees: totals, overdue by batch, the students owing most."""
    t = view.totals
    lines = ["💰 <b>Fees</b>", f"Due this month: {_e(t.due_this_month_text)}",
             f"Collected this month: {_e(t.collected_this_month_text)}",
             f"Overdue: <b>{_e(t.overdue_text)}</b> ({plural(t.overdue_count, 'due')}, "
             f"{plural(t.overdue_students, 'student')})"]
    if view.batches:
        lines += ["", "<b>Overdue by batch</b>"] + [f"• {_e(b.name)}: {_e(b.owed_text)} ({plural(b.students, 'student')})"
                                                    for b in view.batches]
    if view.students:
        lines += ["", "<b>Owing most</b>"] + [f"• {_e(s.name)}: {_e(s.owed_text)}, oldest {plural(s.oldest_days, 'day')} overdue"
                                              for s in view.students]
    lines += ["", "Record payments on the console's Fees page (/web)."]
    return "\n".join(lines)


def batches_text(lines: list[str]) -> str:
    """A teacher's /fees: per batch they teach, this month's unpaid dues."""
    if not lines:
        return "💰 <b>Fee dues this month</b>\nNothing unpaid in your batches this month."
    return "💰 <b>Fee dues this month</b>\n" + "\n".join(f"• {_e(line)}" for line in lines)
