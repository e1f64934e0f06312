"""The scheduler's scan over the SLA deadlines stored on tickets (domain.sla keeps them): an at-risk or
breached ticket raises sla_at_risk / sla_breach once (the alert's unique key makes a rerun harmless)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import or_, select

from domain.alerts.raising import raise_alert
from domain.alerts.rules import rule_of
from domain.models import Alert, Team, TeamMember, Ticket, TicketAssignee
from domain.sla.state import sla_state
from domain.uow import UnitOfWork

BATCH = 500


def duration_text(d: timedelta) -> str:
    """A span in hours and minutes, e.g. "2 h 5 min" or "40 min"."""
    minutes = max(0, int(d.total_seconds() // 60))
    h, m = divmod(minutes, 60)
    return f"{h} h {m} min" if h else f"{m} min"


@dataclass(frozen=True)
class ScanResult:
    at_risk: int
    breached: int


def _already(uow: UnitOfWork, alert_type: str, ids: list[int]) -> set[int]:
    return set(uow.session.scalars(select(Alert.item_id).where(
        Alert.type == alert_type, Alert.item_kind == "ticket", Alert.item_id.in_(ids))))


def scan(uow: UnitOfWork) -> ScanResult:
    """Raise the SLA alerts due now: breached tickets, then those at risk (each ticket once per type)."""
    at_risk = breached = 0
    with uow:
        now, session = uow.now, uow.session
        risk_rule, breach_rule = rule_of(session, "sla_at_risk"), rule_of(session, "sla_breach")
        soon = now + timedelta(minutes=risk_rule.threshold or 0)
        tickets = list(session.scalars(select(Ticket).where(
            Ticket.sla_due_at.is_not(None), or_(Ticket.sla_risk_at <= now, Ticket.sla_due_at <= soon))
            .order_by(Ticket.sla_due_at).limit(BATCH)))
        ids = [t.id for t in tickets]
        done_breach, done_risk = _already(uow, "sla_breach", ids), _already(uow, "sla_at_risk", ids)
        for t in tickets:
            state = sla_state(t, now)
            left = state.left
            if state.breached:
                if t.id in done_breach or not breach_rule.enabled:
                    continue
                alert_type, rule, title = "sla_breach", breach_rule, f"SLA breached: request #{t.number}"
                what = f"{t.title}: the deadline passed" + (f" {duration_text(-left)} ago." if left else ".")
            elif state.at_risk or (left is not None and risk_rule.threshold and left <= timedelta(
                    minutes=risk_rule.threshold)):
                if t.id in done_risk or not risk_rule.enabled:
                    continue
                alert_type, rule, title = "sla_at_risk", risk_rule, f"SLA at risk: request #{t.number}"
                what = f"{t.title}: {duration_text(left) if left else 'little time'} left."
            else:
                continue
            team = session.scalar(select(Team.name).where(Team.id == t.team_id)) or ""
            people = set(session.scalars(select(TeamMember.person_id).where(
                TeamMember.team_id == t.team_id, TeamMember.is_lead.is_(True))))
            people |= set(session.scalars(select(TicketAssignee.person_id).where(TicketAssignee.ticket_id == t.id)))
            if raise_alert(session, alert_type, title, f"{what} Team: {team}.", now,
                           item_kind="ticket", item_id=t.id, people=people, rule=rule) is not None:
                breached += alert_type == "sla_breach"
                at_risk += alert_type == "sla_at_risk"
        uow.commit()
    return ScanResult(at_risk, breached)
