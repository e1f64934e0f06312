"""Quiet hours: what may wait until morning, decided when a notification is written and again when
the delivery loop claims it (a row written at 20:59 and claimed at 21:01 waits too).

Each recipient's own quiet hours apply (their `quiet_start`/`quiet_end`, else the organisation's
rules `quiet_hours.start`/`quiet_hours.end`), in their own time zone (else the organisation's).
Urgent items pass: a sign-in code, the attendance sheet and its reminder (a class is on now), and
anything about an urgent task or an urgent ticket, and urgent alerts and announcements. The same start and end means no quiet hours."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.errors import InvalidInput
from domain.models import Alert, Announcement, Person, Priority, Task, Ticket
from domain.rules import DEFAULT_RULES, rule_in
from domain.timeparse import parse_hhmm, zone_or
from domain.uow import ORG_TZ

# Kinds that are never held: someone is waiting for them right now, or (attendance_sheet_done)
# a silent edit of a message already in the chat.
URGENT_KINDS = frozenset({"login_code", "attendance_sheet", "attendance_nag", "attendance_sheet_done"})


def in_quiet_hours(local: datetime, start: time, end: time) -> bool:
    """Whether the local time falls in the quiet hours [start, end), which may span midnight."""
    t = local.time()
    return start <= t or t < end if start > end else start <= t < end


def quiet_end_after(local: datetime, end: time) -> datetime:
    """The first moment after `local` at which the quiet hours end."""
    candidate = local.replace(hour=end.hour, minute=end.minute, second=0, microsecond=0)
    return candidate if candidate > local else candidate + timedelta(days=1)



def _rule_time(session: Session, key: str) -> time:
    """A clock-time rule; a stored value that does not read falls back to the built-in default."""
    try:
        return parse_hhmm(str(rule_in(session, key)))
    except InvalidInput:
        return parse_hhmm(DEFAULT_RULES[key])


@dataclass(frozen=True)
class Row:
    """What deciding needs of one notification."""

    key: int  # the caller's handle (a notification id, or an index)
    kind: str
    recipient_id: int
    subject_type: str | None
    subject_id: int | None


def _chunks(ids: set[int], size: int = 5000) -> list[list[int]]:
    ordered = sorted(ids)
    return [ordered[i:i + size] for i in range(0, len(ordered), size)]


def held_until(session: Session, rows: Iterable[Row], now: datetime) -> dict[int, datetime]:
    """Of `rows`, those to hold for quiet hours, with the UTC moment their recipient's quiet hours end."""
    holdable = [r for r in rows if r.kind not in URGENT_KINDS]
    if not holdable:
        return {}
    default = (_rule_time(session, "quiet_hours.start"), _rule_time(session, "quiet_hours.end"))
    org_tz = str(session.info.get(ORG_TZ) or "UTC")

    def quiet_end(tz: str | None, q_start: time | None, q_end: time | None) -> datetime | None:
        start, end = (q_start, q_end) if q_start and q_end else default
        local = now.astimezone(zone_or(tz, org_tz))
        if start != end and in_quiet_hours(local, start, end):
            return quiet_end_after(local, end).astimezone(now.tzinfo)
        return None

    # Few distinct (zone, hours) exist: when none of them is quiet now, nothing is held (the day's case).
    settings = session.execute(select(Person.timezone, Person.quiet_start, Person.quiet_end).distinct()).all()
    if all(quiet_end(*combo) is None for combo in settings):
        return {}
    quiet_until: dict[int, datetime] = {}  # recipient -> end of their quiet hours, for those in them now
    for chunk in _chunks({r.recipient_id for r in holdable}):
        for pid, tz, q_start, q_end in session.execute(
                select(Person.id, Person.timezone, Person.quiet_start, Person.quiet_end).where(Person.id.in_(chunk))):
            if (until := quiet_end(tz, q_start, q_end)) is not None:
                quiet_until[pid] = until
    candidates = [r for r in holdable if r.recipient_id in quiet_until]
    task_ids = {r.subject_id for r in candidates if r.subject_type == "task" and r.subject_id is not None}
    urgent_tasks = {tid for chunk in _chunks(task_ids) for tid in session.scalars(
        select(Task.id).where(Task.id.in_(chunk), Task.priority == Priority.URGENT))}
    ticket_ids = {r.subject_id for r in candidates if r.subject_type == "ticket" and r.subject_id is not None}
    urgent_tickets = {tid for chunk in _chunks(ticket_ids) for tid in session.scalars(
        select(Ticket.id).where(Ticket.id.in_(chunk), Ticket.priority == Priority.URGENT))}
    alert_ids = {r.subject_id for r in candidates if r.subject_type == "alert" and r.subject_id is not None}
    urgent_alerts = {aid for chunk in _chunks(alert_ids) for aid in session.scalars(
        select(Alert.id).where(Alert.id.in_(chunk), Alert.severity == "urgent"))}
    announcement_ids = {r.subject_id for r in candidates if r.subject_type == "announcement" and r.subject_id}
    urgent_news = {aid for chunk in _chunks(announcement_ids) for aid in session.scalars(
        select(Announcement.id).where(Announcement.id.in_(chunk), Announcement.urgent.is_(True)))}
    return {r.key: quiet_until[r.recipient_id] for r in candidates
            if not (r.subject_type == "task" and r.subject_id in urgent_tasks)
            and not (r.subject_type == "ticket" and r.subject_id in urgent_tickets)
            and not (r.subject_type == "alert" and r.subject_id in urgent_alerts)
            and not (r.subject_type == "announcement" and r.subject_id in urgent_news)}
