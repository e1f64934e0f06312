"""The alerts the rest of the domain raises: an urgent ticket or task created, attendance information.
Each is called inside the caller's transaction (one alert per item; the rule picks the recipients)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.alerts.raising import raise_alert
from domain.models import Assignment, Priority, Team, TeamMember, Ticket


def urgent_ticket(session: Session, ticket: Ticket, now: datetime) -> int | None:
    """An urgent ticket was filed: critical_item to the rule's people and the team's leads."""
    if ticket.priority != Priority.URGENT:
        return None
    team = session.scalar(select(Team.name).where(Team.id == ticket.team_id)) or ""
    leads = session.scalars(select(TeamMember.person_id).where(TeamMember.team_id == ticket.team_id,
                                                                TeamMember.is_lead.is_(True)))
    return raise_alert(session, "critical_item", f"Urgent request #{ticket.number}: {ticket.title}",
                       f"Filed with {team}." if team else "", now, item_kind="ticket", item_id=ticket.id,
                       people=list(leads))


def urgent_assignment(session: Session, assignment: Assignment, tasks: int, now: datetime) -> int | None:
    """Urgent tasks were assigned: one critical_item for the assignment (not one per task)."""
    if assignment.priority != Priority.URGENT:
        return None
    return raise_alert(session, "critical_item", f"Urgent task: {assignment.title}",
                       f"Assigned to {tasks} {'person' if tasks == 1 else 'people'}.", now,
                       item_kind="assignment", item_id=assignment.id)


def attendance_info(session: Session, kind: str, summary: str, batch_id: int, key: str, now: datetime) -> int | None:
    """Attendance information (an absence streak, low attendance) for the rule's people (admins by default);
    the teachers' inbox keeps the item to act on."""
    title = "Absence streak" if kind == "absence_streak" else "Low attendance"
    return raise_alert(session, kind, title, summary, now, item_kind="batch", item_id=batch_id, key=key)
