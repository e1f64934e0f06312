"""The console's SLA page: every team's policy per priority and the business calendar; admins change them
(validated, audited) and the open tickets concerned are recomputed in the same transaction."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time

from sqlalchemy import select

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.models import OPEN_TICKET_STATUSES, Priority, RuleConfig, SlaPolicy, Team
from domain.perms.catalogue import OPS_ADMIN
from domain.perms.check import require_or_system
from domain.rules import rule_in
from domain.sla.compute import recompute_where
from domain.sla.policies import CALENDAR_KEY, calendar_settings, default_targets, targets_for
from domain.uow import ORG_TZ, UnitOfWork

MAX_TARGET_MINUTES = 365 * 24 * 60
PAUSABLE = tuple(s.value for s in OPEN_TICKET_STATUSES if s.value != "new")  # new is never paused
PRIORITIES = (Priority.URGENT, Priority.HIGH, Priority.NORMAL, Priority.LOW)


@dataclass(frozen=True)
class PolicyRow:
    """One team's targets for one priority (`stored` False: the organisation's defaults apply)."""

    team_id: int
    team: str
    priority: str
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool
    pause_statuses: tuple[str, ...]
    stored: bool


@dataclass(frozen=True)
class CalendarRow:
    """The business calendar: ISO weekdays, working hours (HH:MM), holidays (ISO dates), time zone."""

    days: tuple[int, ...]
    start: str
    end: str
    holidays: tuple[str, ...]
    timezone: str
    at_risk_percent: int


@dataclass(frozen=True)
class PolicyIn:
    """A policy as typed on the form."""

    team_id: int
    priority: str
    first_response_minutes: int
    resolution_minutes: int
    business_hours: bool
    pause_statuses: Sequence[str] = ("done",)


def list_policies(uow: UnitOfWork, actor: Actor) -> list[PolicyRow]:
    """Every active team's targets per priority, stored or default (admins)."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        teams = uow.session.execute(select(Team.id, Team.name).where(Team.archived_at.is_(None))
                                    .order_by(Team.name)).all()
        stored = {(p.team_id, p.priority) for p in uow.session.scalars(select(SlaPolicy))}
        rows = []
        for team_id, name in teams:
            for priority in PRIORITIES:
                t = targets_for(uow.session, team_id, priority)
                rows.append(PolicyRow(team_id, name, priority.value, t.first_response_minutes,
                                      t.resolution_minutes, t.business_hours, tuple(sorted(t.pause_statuses)),
                                      (team_id, priority) in stored))
        return rows


def get_calendar(uow: UnitOfWork, actor: Actor) -> CalendarRow:
    """The business calendar (admins)."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        raw = calendar_settings(uow.session)
        return CalendarRow(tuple(raw["days"]), raw["start"], raw["end"], tuple(raw["holidays"]),
                           str(uow.session.info.get(ORG_TZ) or "UTC"),
                           int(rule_in(uow.session, "sla.at_risk_share")))


def save_policy(uow: UnitOfWork, actor: Actor, spec: PolicyIn) -> PolicyRow:
    """Set a team's targets for a priority; its open tickets are recomputed; returns the policy."""
    try:
        priority = Priority(spec.priority)
    except ValueError:
        raise InvalidInput("Choose a priority: urgent, high, normal or low.") from None
    for label, value in (("first response", spec.first_response_minutes), ("resolution", spec.resolution_minutes)):
        if not 1 <= int(value) <= MAX_TARGET_MINUTES:
            raise InvalidInput(f"The {label} target must be from 1 minute to 365 days.")
    if spec.first_response_minutes > spec.resolution_minutes:
        raise InvalidInput("The first response target cannot be longer than the resolution target.")
    bad = set(spec.pause_statuses) - set(PAUSABLE)
    if bad:
        raise InvalidInput(f"Statuses that may pause the clock: {', '.join(PAUSABLE)}.")
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        team = uow.session.get(Team, spec.team_id)
        if team is None:
            raise NotFound("No such team.")
        policy = uow.session.scalar(select(SlaPolicy).where(SlaPolicy.team_id == team.id,
                                                            SlaPolicy.priority == priority))
        if policy is None:
            policy = SlaPolicy(team_id=team.id, priority=priority, updated_at=uow.now)
            uow.session.add(policy)
        before = (policy.first_response_minutes, policy.resolution_minutes, policy.business_hours)
        policy.first_response_minutes, policy.resolution_minutes = spec.first_response_minutes, spec.resolution_minutes
        policy.business_hours, policy.updated_at = spec.business_hours, uow.now
        policy.pause_statuses = {"statuses": sorted(set(spec.pause_statuses))}
        uow.session.flush()
        count = recompute_where(uow, team.id, priority)
        audit.record(uow.session, actor, "sla.policy", "team", team.id, uow.now, priority=priority.value,
                     first_response_minutes=spec.first_response_minutes,
                     resolution_minutes=spec.resolution_minutes, business_hours=spec.business_hours,
                     pause_statuses=sorted(set(spec.pause_statuses)), before=list(before), recomputed=count)
        row = PolicyRow(team.id, team.name, priority.value, policy.first_response_minutes,
                        policy.resolution_minutes, policy.business_hours,
                        tuple(policy.pause_statuses["statuses"]), True)
        uow.commit()
        return row


def reset_policy(uow: UnitOfWork, actor: Actor, team_id: int, priority: str) -> PolicyRow:
    """Drop a team's policy for a priority (the defaults apply again); its open tickets are recomputed."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        team = uow.session.get(Team, team_id)
        if team is None:
            raise NotFound("No such team.")
        prio = Priority(priority)
        policy = uow.session.scalar(select(SlaPolicy).where(SlaPolicy.team_id == team_id, SlaPolicy.priority == prio))
        if policy is not None:
            uow.session.delete(policy)
            uow.session.flush()
        count = recompute_where(uow, team_id, prio)
        audit.record(uow.session, actor, "sla.policy_reset", "team", team_id, uow.now, priority=prio.value,
                     recomputed=count)
        t = default_targets(prio)
        uow.commit()
        return PolicyRow(team_id, team.name, prio.value, t.first_response_minutes, t.resolution_minutes,
                         t.business_hours, tuple(sorted(t.pause_statuses)), False)


HOLIDAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def save_calendar(uow: UnitOfWork, actor: Actor, days: Sequence[int], start: str, end: str,
                  holidays: Sequence[str]) -> CalendarRow:
    """Set the business calendar; every open ticket is recomputed."""
    if not days or set(days) - set(range(1, 8)):
        raise InvalidInput("Choose at least one working day.")
    try:
        t_start, t_end = time.fromisoformat(start.strip()), time.fromisoformat(end.strip())
    except ValueError:
        raise InvalidInput("Write the working hours as HH:MM, e.g. 09:00 and 18:00.") from None
    if t_start >= t_end:
        raise InvalidInput("The working day must end after it starts.")
    dates = []
    for text in (h.strip() for h in holidays if h.strip()):
        try:
            dates.append(date.fromisoformat(text) if HOLIDAY.match(text) else date.fromisoformat("x"))
        except ValueError:
            raise InvalidInput(f"Holiday {text!r}: write dates as YYYY-MM-DD.") from None
    value = {"days": sorted(set(int(d) for d in days)), "start": t_start.strftime("%H:%M"),
             "end": t_end.strftime("%H:%M"), "holidays": sorted({d.isoformat() for d in dates})}
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        row = uow.session.scalar(select(RuleConfig).where(RuleConfig.scope == "global",
                                                          RuleConfig.key == CALENDAR_KEY))
        if row is None:
            row = RuleConfig(scope="global", key=CALENDAR_KEY, value={}, updated_at=uow.now)
            uow.session.add(row)
        row.value, row.updated_at = {"value": value}, uow.now
        uow.session.flush()
        count = recompute_where(uow)
        audit.record(uow.session, actor, "sla.calendar", "rule", CALENDAR_KEY, uow.now, **value, recomputed=count)
        answer = CalendarRow(tuple(value["days"]), value["start"], value["end"], tuple(value["holidays"]),
                             str(uow.session.info.get(ORG_TZ) or "UTC"), int(rule_in(uow.session, "sla.at_risk_share")))
        uow.commit()
        return answer
