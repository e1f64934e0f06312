"""The SLA read model of a ticket or a task: time left, at risk, breached (one definition of each).

At risk: less than `sla.at_risk_share` of the target left (the stored `*_risk_at` moment has passed);
breached: the deadline passed before the target was met. A task's SLA is its due time: at risk when less
than the share of (due - created) is left."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.models import OPEN_STATUSES, OPEN_TICKET_STATUSES, Task, Ticket


@dataclass(frozen=True)
class Target:
    """One deadline: when, whether met (and when), time left now, at risk, breached."""

    due_at: datetime | None
    met_at: datetime | None
    left: timedelta | None  # until the deadline (negative once passed); None when met or not counted
    at_risk: bool
    breached: bool
    paused: bool = False


@dataclass(frozen=True)
class SlaState:
    """A ticket's (or task's) SLA now: first response (None for tasks) and resolution / due."""

    first_response: Target | None
    resolution: Target
    paused: bool

    @property
    def at_risk(self) -> bool:
        """A deadline still to meet has less than the share of its target left (and is not passed)."""
        return any(t is not None and t.at_risk for t in (self.first_response, self.resolution))

    @property
    def breached(self) -> bool:
        """A deadline still to meet has passed (a target met late shows on its Target, not here): the same
        as `sla_due_at <= now` on the ticket (domain.sla.queries)."""
        return any(t is not None and t.breached and t.met_at is None for t in (self.first_response, self.resolution))

    @property
    def left(self) -> timedelta | None:
        """The time left to the next deadline still to meet."""
        lefts = [t.left for t in (self.first_response, self.resolution) if t is not None and t.left is not None]
        return min(lefts) if lefts else None

    @property
    def label(self) -> str:
        """breached, at risk, paused, on time or met (what a list shows)."""
        if self.breached:
            return "breached"
        if self.at_risk:
            return "at risk"
        if self.paused:
            return "paused"
        return "on time" if self.left is not None else "met"


def _target(due: datetime | None, risk: datetime | None, met: datetime | None, pending: bool,
            paused_since: datetime | None, now: datetime) -> Target:
    if due is None:
        return Target(None, met, None, False, False)
    if met is not None or not pending:
        return Target(due, met, None, False, met is not None and met > due)
    if paused_since is not None:  # the clock is stopped: breached only when it ran out before the pause
        return Target(due, None, None, False, due <= paused_since, paused=True)
    return Target(due, None, due - now, risk is not None and risk <= now < due, now >= due)


def sla_state(ticket: Ticket, now: datetime) -> SlaState:
    """A ticket's SLA now, from its stored deadlines (domain.sla.compute keeps them)."""
    is_open = ticket.status in OPEN_TICKET_STATUSES
    paused = ticket.sla_paused_since if is_open else None
    finished = ticket.resolved_at or ticket.closed_at if not is_open else None
    first = _target(ticket.first_response_due_at, ticket.first_response_risk_at, ticket.first_response_at,
                    is_open, paused, now)
    resolution = _target(ticket.resolution_due_at, ticket.resolution_risk_at, finished, is_open, paused, now)
    return SlaState(first, resolution, paused is not None)


def task_state(task: Task, now: datetime, share: float) -> SlaState | None:
    """A task's SLA: its due time (None when it has none); at risk within `share` of (due - created)."""
    if task.due_at is None:
        return None
    is_open = task.status in OPEN_STATUSES
    risk = task.due_at - (task.due_at - task.created_at) * share
    met = task.completed_at if not is_open else None
    return SlaState(None, _target(task.due_at, risk, met, is_open, None, now), False)
