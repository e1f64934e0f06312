"""Who hears about a student's fees (their parents; a student with none, themselves), the due's payment
link, and the outbox intents for receipts and reminders (their words composed here, once)."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.fees.money import Currency, money_text, plain_major
from domain.models import FeeDue, ParentLink, Person, PersonStatus
from domain.outbox import Intent, NotificationKind
from domain.rules import rule_in
from domain.words import day_text

STAGE_NAMES = {1: "before", 2: "overdue", 3: "second overdue", 4: "final overdue"}


def recipients_of(session: Session, student_ids: list[int]) -> dict[int, list[int]]:
    """Per student, who hears about their fees: their parents (as for absences: one with email only gets
    email, one who never linked shows on the Delivery page), the disabled aside; the student themselves
    when no parent is linked."""
    out: dict[int, list[int]] = {sid: [] for sid in student_ids}
    for chunk in (student_ids[i:i + 1000] for i in range(0, len(student_ids), 1000)):
        for child, parent in session.execute(
                select(ParentLink.child_id, Person.id).join(Person, Person.id == ParentLink.parent_id)
                .where(ParentLink.child_id.in_(chunk), Person.status != PersonStatus.DISABLED).order_by(Person.id)):
            out[child].append(parent)
        alone = [sid for sid in chunk if not out[sid]]
        if alone:
            for sid in session.scalars(select(Person.id).where(Person.id.in_(alone),
                                                                Person.status != PersonStatus.DISABLED)):
                out[sid] = [sid]
    return out


def recipients(session: Session, student_id: int) -> list[int]:
    """`recipients_of` for one student."""
    return recipients_of(session, [student_id])[student_id]


def names_of(session: Session, ids: list[int]) -> dict[int, str]:
    """People's names by id."""
    out: dict[int, str] = {}
    for chunk in (ids[i:i + 1000] for i in range(0, len(ids), 1000)):
        out.update({pid: name for pid, name in session.execute(select(Person.id, Person.name).where(Person.id.in_(chunk)))})
    return out


def org_link(session: Session) -> str:
    """The organisation's payment link (rule `fees.payment_link`; empty: none)."""
    return str(rule_in(session, "fees.payment_link") or "")


def due_ref(due_id: int) -> str:
    """The reference a family quotes: "FEE-42"."""
    return f"FEE-{due_id}"


def link_for(due: FeeDue, currency: Currency, organisation_link: str) -> str | None:
    """The due's payment link (its own, else the organisation's), {ref} and {amount} filled in."""
    raw = due.payment_link or organisation_link
    if not raw:
        return None
    left = max(due.amount_minor - due.paid_minor, 0)
    return raw.replace("{ref}", due_ref(due.id)).replace("{amount}", plain_major(left, currency))


def receipt_intents(session: Session, due: FeeDue, payment_id: int, amount: int, paid_on: date, method: str,
                    reference: str, currency: Currency) -> list[Intent]:
    """A receipt for each parent: what was paid (or refunded) for which child and due, and what is left."""
    child = session.get(Person, due.student_id)
    left = due.amount_minor - due.paid_minor
    data = {
        "payment_id": payment_id, "due_id": due.id, "child": child.name if child else "",
        "label": due.label, "amount": money_text(abs(amount), currency), "refund": amount < 0,
        "paid_on": day_text(paid_on), "method": method, "reference": reference, "ref": due_ref(due.id),
        "left": money_text(max(left, 0), currency), "settled": left <= 0,
    }
    return [Intent(NotificationKind.FEE_RECEIPT, pid, f"fee_receipt:{payment_id}:{pid}", data,
                   subject_type="fee_due", subject_id=due.id) for pid in recipients(session, due.student_id)]


def reminder_intents(due: FeeDue, stage: int, today: date, currency: Currency, child: str, to: list[int],
                     organisation_link: str) -> list[Intent]:
    """Stage `stage`'s reminder of an unpaid due to each of `to` (the dedupe key makes each one once)."""
    left = due.amount_minor - due.paid_minor
    data = {
        "due_id": due.id, "stage": stage, "stage_name": STAGE_NAMES[stage], "child": child,
        "label": due.label, "left": money_text(left, currency), "amount": money_text(due.amount_minor, currency),
        "due_on": day_text(due.due_on), "days_overdue": max((today - due.due_on).days, 0),
        "ref": due_ref(due.id), "link": link_for(due, currency, organisation_link),
    }
    return [Intent(NotificationKind.FEE_REMINDER, pid, f"fee_reminder:{due.id}:{stage}:{pid}", data,
                   subject_type="fee_due", subject_id=due.id) for pid in to]


def reminder_words(x: dict[str, object]) -> str:
    """A reminder's sentence from its data (the chat and the email say the same)."""
    days = int(str(x.get("days_overdue") or 0))
    if int(str(x.get("stage") or 1)) == 1:
        lead = f"{x.get('left')} for {x.get('child')} is due on {x.get('due_on')}"
    else:
        lead = f"{x.get('left')} for {x.get('child')} was due on {x.get('due_on')} ({days} day{'s' if days != 1 else ''} overdue)"
    return f"{lead}: {x.get('label')} (ref. {x.get('ref')})."
