"""Which targets apply: the team's policy for the priority, else the organisation's defaults (the seed's);
the business calendar (rule `sla.calendar`) and the at-risk share (rule `sla.at_risk_share`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import Priority, RuleConfig, SlaPolicy
from domain.rules import rule_in
from domain.sla.clock import Calendar
from domain.uow import ORG_TZ

# The seed's targets (first response, resolution), in minutes: urgent is its "critical", normal "medium".
DEFAULT_TARGETS: dict[Priority, tuple[int, int]] = {
    Priority.URGENT: (60, 4 * 60),
    Priority.HIGH: (4 * 60, 24 * 60),
    Priority.NORMAL: (24 * 60, 72 * 60),
    Priority.LOW: (48 * 60, 168 * 60),
}
DEFAULT_PAUSE = ("done",)  # every task finished, waiting for the requester / leads to confirm
CALENDAR_KEY = "sla.calendar"
DEFAULT_CALENDAR: dict[str, Any] = {"days": [1, 2, 3, 4, 5], "start": "09:00", "end": "18:00", "holidays": []}


@dataclass(frozen=True)
class Targets:
    """The policy in force for one ticket (a stored one, or the default when `policy_id` is None)."""

    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool
    pause_statuses: frozenset[str]
    policy_id: int | None = None


def default_targets(priority: Priority) -> Targets:
    """The organisation's defaults for a priority: the seed's targets, 24/7, paused while done."""
    first, resolution = DEFAULT_TARGETS[Priority(priority)]
    return Targets(first, resolution, False, frozenset(DEFAULT_PAUSE))


def targets_of(policy: SlaPolicy) -> Targets:
    """A stored policy as Targets."""
    return Targets(policy.first_response_minutes, policy.resolution_minutes, policy.business_hours,
                   frozenset((policy.pause_statuses or {}).get("statuses", [])), policy.id)


def targets_for(session: Session, team_id: int, priority: Priority) -> Targets:
    """The targets for a team's ticket of `priority`."""
    policy = session.scalar(select(SlaPolicy).where(SlaPolicy.team_id == team_id,
                                                    SlaPolicy.priority == Priority(priority)))
    return targets_of(policy) if policy is not None else default_targets(priority)


def all_targets(session: Session) -> dict[tuple[int, Priority], Targets]:
    """Every stored policy by (team, priority); missing pairs use default_targets."""
    return {(p.team_id, p.priority): targets_of(p) for p in session.scalars(select(SlaPolicy))}


def calendar_settings(session: Session) -> dict[str, Any]:
    """The stored calendar (days, start, end, holidays as ISO dates), or the default."""
    row = session.scalar(select(RuleConfig).where(RuleConfig.scope == "global", RuleConfig.key == CALENDAR_KEY))
    value = (row.value or {}).get("value") if row is not None else None
    return {**DEFAULT_CALENDAR, **(value or {})}


def calendar_in(session: Session) -> Calendar:
    """The organisation's business calendar, in its time zone."""
    raw = calendar_settings(session)
    return Calendar(tz=str(session.info.get(ORG_TZ) or "UTC"), days=frozenset(int(d) for d in raw["days"]),
                    start=time.fromisoformat(raw["start"]), end=time.fromisoformat(raw["end"]),
                    holidays=frozenset(date.fromisoformat(d) for d in raw["holidays"]))


def at_risk_share(session: Session) -> float:
    """The one definition of "at risk": less than this share of the target left (rule, in percent)."""
    return max(0, min(100, int(rule_in(session, "sla.at_risk_share")))) / 100
