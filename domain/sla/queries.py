"""The SLA states as SQL conditions over the stored columns (the queue, metrics and alerts count with
these, so "at risk" and "breached" mean the same in SQL as in domain.sla.state), and one ticket's state."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_

from domain.models import OPEN_TICKET_STATUSES, Ticket


def ticket_breached(now: datetime) -> ColumnElement[bool]:
    """An open ticket whose next deadline has passed."""
    return and_(Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.sla_due_at <= now)


def ticket_at_risk(now: datetime) -> ColumnElement[bool]:
    """An open ticket with less than the at-risk share of its next target left, not yet breached."""
    return and_(Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.sla_risk_at <= now, Ticket.sla_due_at > now)


def ticket_on_time(now: datetime) -> ColumnElement[bool]:
    """An open ticket whose next deadline is still ahead and not at risk (paused ones are not counted)."""
    return and_(Ticket.status.in_(OPEN_TICKET_STATUSES), Ticket.sla_due_at > now, Ticket.sla_risk_at > now)
