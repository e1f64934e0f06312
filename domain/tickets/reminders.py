"""The desk's reminder rules (both rules in domain.rules, editable on the Settings page):
- desk.untriaged_hours: a ticket still new this long reminds the team's leads (again every as long);
- desk.in_progress_hours: a ticket accepted or in progress this long reminds the assignees whose tasks
  are still open (again every as long).
`scan` is the scheduler's job; what it tells goes through the outbox (quiet hours and pacing apply).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from domain.models import OPEN_STATUSES, Task, Ticket, TicketStatus
from domain.rules import rule_in
from domain.tickets import notify
from domain.uow import UnitOfWork

BATCH = 200


@dataclass(frozen=True)
class DeskReminders:
    untriaged: int  # tickets whose leads were reminded
    in_progress: int  # tickets whose assignees were reminded


def scan(uow: UnitOfWork) -> DeskReminders:
    """Remind the leads of untriaged tickets and the assignees of work taking too long (one transaction)."""
    with uow:
        session, now = uow.session, uow.now
        untriaged_after = timedelta(hours=int(rule_in(session, "desk.untriaged_hours")))
        working_after = timedelta(hours=int(rule_in(session, "desk.in_progress_hours")))
        counts = {"untriaged": 0, "in_progress": 0}
        for why, statuses, after in (("untriaged", [TicketStatus.NEW], untriaged_after),
                                     ("in_progress", [TicketStatus.ACCEPTED, TicketStatus.IN_PROGRESS],
                                      working_after)):
            due = list(session.scalars(select(Ticket).where(
                Ticket.status.in_(statuses), Ticket.status_at <= now - after,
                or_(Ticket.reminded_at.is_(None), Ticket.reminded_at <= now - after))
                .order_by(Ticket.status_at).limit(BATCH)))
            for ticket in due:
                if why == "untriaged":
                    people = notify.leads(session, ticket.team_id)
                else:
                    people = list(session.scalars(select(Task.assignee_id).where(
                        Task.assignment_id == ticket.assignment_id, Task.status.in_(OPEN_STATUSES))
                        .order_by(Task.assignee_id))) if ticket.assignment_id else []
                ticket.reminded_at = now
                if notify.reminder(session, ticket, f"{ticket.id}:{why}:{int(now.timestamp())}", people, now,
                                   why):
                    counts[why] += 1
        uow.commit()
        return DeskReminders(counts["untriaged"], counts["in_progress"])
