"""Fee reminders to parents: one before the due date and up to three after it (rules
`fees.remind_days_before`, `fees.overdue_first_days`..`3`). Each stage goes once: the due's
`reminder_stage` moves forward by a conditional update (and the outbox dedupe key is per stage), only
the newest stage reached is sent (a due found late does not get three at once), and a paid due gets
none. Quiet hours hold them (the outbox decides)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select, update

from domain.fees.money import currency_of
from domain.fees.notify import names_of, org_link, recipients_of, reminder_intents
from domain.fees.periods import local_today
from domain.models import FeeDue
from domain.outbox import enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

LAST_STAGE = 4


@dataclass(frozen=True)
class Scan:
    reminded: int  # dues that moved to a new stage
    messages: int  # outbox rows written


def _days(value: object) -> int:
    try:
        return max(int(str(value)), 0)
    except (TypeError, ValueError):
        return 0


def stage_on(today: date, due_on: date, before: int, after: tuple[int, int, int]) -> int:
    """The newest reminder stage a due has reached on `today` (0: none yet). A stage set to 0 is off."""
    stage = 0
    if before and due_on - timedelta(days=before) <= today <= due_on:
        stage = 1
    for n, days in enumerate(after, start=2):
        if days and today >= due_on + timedelta(days=days):
            stage = n
    return stage


def scan(uow: UnitOfWork, today: date | None = None, chunk: int = 1000) -> Scan:
    """Send the reminders due today (the scheduler's job), a chunk of dues per statement: their stages
    moved by one conditional UPDATE ... RETURNING per stage (a due another scan moved is not sent again),
    then every reminder written by one bulk outbox insert."""
    reminded = messages = 0
    with uow:
        s = uow.session
        day = today or local_today(s, uow.now)
        before = _days(rule_in(s, "fees.remind_days_before"))
        after = (_days(rule_in(s, "fees.overdue_first_days")), _days(rule_in(s, "fees.overdue_second_days")),
                 _days(rule_in(s, "fees.overdue_final_days")))
        currency, link = currency_of(uow.session), org_link(uow.session)
        dues = s.scalars(select(FeeDue).where(
            FeeDue.paid_minor < FeeDue.amount_minor, FeeDue.reminder_stage < LAST_STAGE,
            FeeDue.due_on <= day + timedelta(days=before)).order_by(FeeDue.due_on, FeeDue.id)).all()
        wanted = [(due, stage) for due in dues if (stage := stage_on(day, due.due_on, before, after)) > due.reminder_stage]
        for start in range(0, len(wanted), chunk):
            part = wanted[start:start + chunk]
            moved: set[int] = set()
            for stage in sorted({st for _, st in part}):
                ids = [due.id for due, st in part if st == stage]
                moved |= set(s.scalars(update(FeeDue).where(
                    FeeDue.id.in_(ids), FeeDue.reminder_stage < stage, FeeDue.paid_minor < FeeDue.amount_minor)
                    .values(reminder_stage=stage).returning(FeeDue.id).execution_options(synchronize_session=False)))
            sent = [(due, st) for due, st in part if due.id in moved]
            students = sorted({due.student_id for due, _ in sent})
            to, names = recipients_of(s, students), names_of(s, students)
            intents = [i for due, st in sent for i in reminder_intents(
                due, st, day, currency, names.get(due.student_id, ""), to[due.student_id], link)]
            reminded += len(sent)
            messages += enqueue(s, intents, uow.now)
        uow.commit()
    return Scan(reminded, messages)
