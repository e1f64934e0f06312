"""The demo's fees: a plan on each batch (Physics full, Maths pro rata, Biology from the next month), a
one-off trip fee, and the last weeks replayed day by day (dues issued, reminders sent, payments made),
so the console shows paid, partly paid and overdue dues at every reminder stage."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.fees import issue, payments, plans, reminders
from domain.models import Batch, FeeDue
from domain.settings import services as settings
from domain.uow import Database

PLANS = (("Year 10 Physics", "1500", 5, "full"), ("Year 11 Maths", "1800", 10, "pro_rata"),
         ("Year 9 Biology", "1200", 15, "next_period"))
# Who pays what: s1 (Aarav) and s8 (Hana) pay on the due date; s4 (Dana) paid last month only; s7 (Gus)
# pays five days late; s2 (Bea) paid part of last month's Physics; the rest (Chidi, Emre, Farah) owe.
ON_TIME, LAST_MONTH_ONLY, LATE = ("s1", "s8"), ("s4",), ("s7",)
# (added this many days ago, label, amount, due so many days after, batch): reminder stages 4, 2 and 1 today
ONE_OFFS = ((26, "Science museum trip", "300", 2, "Year 9 Biology"), (10, "Exam fee", "500", 7, "Year 10 Physics"),
            (5, "Lab coat", "450", 7, "Year 11 Maths"))


def _pay(db: Database, admin: Actor, due: FeeDue, who: str, day: date, this_month: str) -> None:
    late = (day - due.due_on).days
    full = str((due.amount_minor - due.paid_minor) // 100)
    if (who in ON_TIME and late == 0) or (who in LATE and late == 5) \
            or (who in LAST_MONTH_ONLY and late == 0 and due.period != this_month):
        payments.record_payment(db.uow(), admin, due.id, full, day, "upi", f"UPI-{due.id:05d}")
    elif who == "s2" and late == 2 and due.period != this_month and due.label.startswith("Tuition · Year 10"):
        payments.record_payment(db.uow(), admin, due.id, "1000", day, "cash", "")


def seed_fees(db: Database, clock: FixedClock, ids: dict[str, int], now: datetime, timezone: str) -> str:
    """Plans, a one-off fee and five weeks of dues, reminders and payments; the summary."""
    db = replace(db, timezone=timezone)
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()
    admin = Actor.web(ids["admin"], "127.0.0.1")
    key_of = {v: k for k, v in ids.items()}
    start = today - timedelta(days=35)
    clock.set(datetime.combine(start, datetime.min.time().replace(hour=8), zone))
    settings.save(db.uow(), admin, {"fees.payment_link": "https://pay.example.org/taskbell?ref={ref}&amount={amount}"})
    with db.uow(readonly=True) as uow:
        batch_ids = {name: bid for name, bid in uow.session.execute(select(Batch.name, Batch.id))}
    for name, amount, due_day, rule in PLANS:
        plans.save_plan(db.uow(), admin, plans.PlanForm(batch_ids[name], "Tuition", amount, due_day, rule,
                                                        start.replace(day=1)))
    this_month = f"{today.year:04d}-{today.month:02d}"
    for n in range(36):
        day = start + timedelta(days=n)
        clock.set(datetime.combine(day, datetime.min.time().replace(hour=9), zone))
        for days_ago, label, amount, due_in, batch in ONE_OFFS:
            if day == today - timedelta(days=days_ago):
                plans.add_one_off(db.uow(), admin, label, amount, day + timedelta(days=due_in), [],
                                  batch_id=batch_ids[batch])
        issue.issue_due(db.uow(), day)
        if day == today:
            break  # today's reminders are the scheduler's (they arrive after the start)
        reminders.scan(db.uow(), day)
        with db.uow(readonly=True) as uow:
            open_dues = list(uow.session.scalars(select(FeeDue).where(
                FeeDue.paid_minor < FeeDue.amount_minor, FeeDue.due_on <= day)))
        for due in open_dues:
            _pay(db, admin, due, key_of.get(due.student_id, ""), day, this_month)
    clock.set(now)
    with db.uow(readonly=True) as uow:
        dues = list(uow.session.scalars(select(FeeDue)))
    overdue = sum(1 for d in dues if d.paid_minor < d.amount_minor and d.due_on < today)
    return f"{len(PLANS)} fee plans, {len(dues)} dues ({overdue} overdue)"
