"""Deadlines from a ticket's recorded history: the timeline (TicketEvent) gives the spans in each status;
spans in a pause status (and after closing) stop the clock; the first response is the first public reply
or acceptance by staff. The results are stored on the ticket (the queue orders by `sla_due_at`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import OPEN_TICKET_STATUSES, Priority, Ticket, TicketEvent
from domain.sla.clock import Calendar, add_minutes, minutes_between
from domain.sla.policies import Targets, at_risk_share, calendar_in, targets_for
from domain.uow import UnitOfWork

OPEN = frozenset(s.value for s in OPEN_TICKET_STATUSES)
RESPONSE_KINDS = frozenset({"accepted", "rejected", "resolved"})  # a staff answer, besides a public comment


@dataclass(frozen=True)
class Span:
    """A stretch of the ticket's life in one status; `end` None: until now."""

    status: str
    start: datetime
    end: datetime | None


def spans_of(ticket: Ticket, events: Sequence[TicketEvent]) -> list[Span]:
    """The statuses the ticket went through, from its creation, by its timeline."""
    spans: list[Span] = []
    status, since = "new", ticket.created_at
    for ev in events:
        if ev.to_status and ev.to_status != status:
            spans.append(Span(status, since, max(ev.at, since)))
            status, since = ev.to_status, max(ev.at, since)
    spans.append(Span(status, since, None))
    return spans


def first_response(ticket: Ticket, events: Sequence[TicketEvent]) -> datetime | None:
    """When staff first answered: acceptance (or rejection, resolution) or a public comment by someone
    other than the requester."""
    for ev in events:
        if ev.kind in RESPONSE_KINDS or (ev.kind == "comment" and not ev.internal and ev.actor_id is not None
                                         and ev.actor_id != ticket.requester_id):
            return ev.at
    return None


def reach(cal: Calendar | None, running: Sequence[Span], minutes: float) -> tuple[datetime | None, float]:
    """The moment the clock, running only in `running` spans, reaches `minutes`; else (None, minutes left)."""
    left = minutes
    for span in running:
        if span.end is None:
            return add_minutes(cal, span.start, left), 0
        got = minutes_between(cal, span.start, span.end)
        if got >= left:
            return add_minutes(cal, span.start, left), 0
        left -= got
    return None, left


def _deadline(cal: Calendar | None, running: Sequence[Span], minutes: float, stopped_at: datetime) -> datetime:
    """The deadline, projected from `stopped_at` when the clock is stopped now (paused or closed)."""
    at, left = reach(cal, running, minutes)
    return at if at is not None else add_minutes(cal, stopped_at, left)


def apply(ticket: Ticket, events: Sequence[TicketEvent], targets: Targets, cal: Calendar, share: float,
          now: datetime) -> None:
    """Set the ticket's stored SLA columns from its timeline and the targets in force."""
    clock = cal if targets.business_hours else None
    spans = spans_of(ticket, events)
    running = [s for s in spans if s.status in OPEN and s.status not in targets.pause_statuses]
    last = spans[-1]
    is_open, paused = last.status in OPEN, last.status in targets.pause_statuses and last.status in OPEN
    stopped_at = now if is_open else last.start
    ticket.first_response_at = first_response(ticket, events)
    ticket.sla_paused_minutes = int(sum(
        ((s.end or now) - s.start).total_seconds() // 60 for s in spans
        if s.status in OPEN and s.status in targets.pause_statuses))
    ticket.sla_paused_since = last.start if paused else None
    fr, res = targets.first_response_minutes, targets.resolution_minutes
    ticket.first_response_due_at = _deadline(clock, running, fr, stopped_at)
    ticket.first_response_risk_at = _deadline(clock, running, fr * (1 - share), stopped_at)
    ticket.resolution_due_at = _deadline(clock, running, res, stopped_at)
    ticket.resolution_risk_at = _deadline(clock, running, res * (1 - share), stopped_at)
    pending = []
    if is_open and ticket.first_response_at is None:
        pending.append((ticket.first_response_due_at, ticket.first_response_risk_at))
    if is_open:
        pending.append((ticket.resolution_due_at, ticket.resolution_risk_at))
    if paused:  # the clock is stopped: only a deadline already passed still counts
        pending = [(due, risk) for due, risk in pending if due <= last.start]
    due, risk = min(pending, key=lambda p: p[0]) if pending else (None, None)
    ticket.sla_due_at, ticket.sla_risk_at = due, risk


def _events(session: Session, ticket_id: int) -> list[TicketEvent]:
    return list(session.scalars(select(TicketEvent).where(TicketEvent.ticket_id == ticket_id)
                                .order_by(TicketEvent.at, TicketEvent.id)))


def recompute_loaded(session: Session, ticket: Ticket, now: datetime) -> None:
    """Recompute one loaded ticket's SLA (in the caller's transaction)."""
    apply(ticket, _events(session, ticket.id), targets_for(session, ticket.team_id, ticket.priority),
          calendar_in(session), at_risk_share(session), now)


def recompute(uow: UnitOfWork, ticket_id: int) -> None:
    """Recompute one ticket's SLA from its history, inside the caller's open unit of work."""
    ticket = uow.session.get(Ticket, ticket_id)
    if ticket is not None:
        recompute_loaded(uow.session, ticket, uow.now)
        uow.session.flush()


def recompute_where(uow: UnitOfWork, team_id: int | None = None, priority: Priority | None = None,
                    open_only: bool = True) -> int:
    """Recompute the tickets of a team / priority (every open one when not given); returns how many."""
    count = recompute_open(uow.session, uow.now, team_id, priority, open_only)
    uow.session.flush()
    return count


def recompute_open(session: Session, now: datetime, team_id: int | None = None, priority: Priority | None = None,
                   open_only: bool = True) -> int:
    """recompute_where inside a caller's session (the Settings page, when the at-risk share changes)."""
    query = select(Ticket)
    if open_only:
        query = query.where(Ticket.status.in_(OPEN_TICKET_STATUSES))
    if team_id is not None:
        query = query.where(Ticket.team_id == team_id)
    if priority is not None:
        query = query.where(Ticket.priority == Priority(priority))
    count = 0
    for ticket in session.scalars(query.order_by(Ticket.id)).all():
        recompute_loaded(session, ticket, now)
        count += 1
    return count


def recompute_missing(uow: UnitOfWork) -> int:
    """Compute the deadlines of the open tickets that have none yet (filed before SLA existed)."""
    with uow:
        ids = list(uow.session.scalars(select(Ticket.id).where(Ticket.status.in_(OPEN_TICKET_STATUSES),
                                                               Ticket.resolution_due_at.is_(None))))
        for ticket_id in ids:
            recompute(uow, ticket_id)
        uow.commit()
        return len(ids)
