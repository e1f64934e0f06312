"""Alert types, their default rules, the admins' stored rules and each person's subscriptions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import pii
from domain.actors import Actor, load_active
from domain.audit import record
from domain.errors import InvalidInput
from domain.models import AlertRule, AlertSubscription, Person, PersonStatus, Role, Team, TeamMember
from domain.perms.check import require
from domain.uow import UnitOfWork

SEVERITIES = ("info", "warning", "urgent")
CHANNELS = ("telegram", "email", "both")


@dataclass(frozen=True)
class Rule:
    """One alert type's rule as it applies now (stored, else the default)."""

    type: str
    label: str
    enabled: bool = True
    threshold: int | None = None
    severity: str = "info"
    roles: tuple[str, ...] = ("admin",)
    teams: tuple[int, ...] = ()
    people: tuple[int, ...] = ()
    window_minutes: int = 0  # 0: once per item, ever
    extra: dict[str, Any] = field(default_factory=dict)


# The threshold: sla_at_risk, minutes before a deadline that also count as at risk (besides the SLA rule).
DEFAULTS: dict[str, Rule] = {r.type: r for r in (
    Rule("sla_at_risk", "SLA at risk", severity="warning"),
    Rule("sla_breach", "SLA breached", severity="urgent"),
    Rule("critical_item", "Urgent ticket or task created", severity="urgent"),
    Rule("absence_streak", "Absence streak", severity="info"),
    Rule("low_attendance", "Low attendance", severity="info"),
    Rule("announcement", "Announcement", severity="info", roles=()),
)}


def rule_of(session: Session, alert_type: str) -> Rule:
    """The rule for a type: the stored row, else the default."""
    base = DEFAULTS.get(alert_type) or Rule(alert_type, alert_type)
    row = session.get(AlertRule, alert_type)
    if row is None:
        return base
    rec = row.recipients or {}
    return Rule(alert_type, base.label, row.enabled, row.threshold, row.severity,
                tuple(rec.get("roles", ())), tuple(int(t) for t in rec.get("teams", ())),
                tuple(int(p) for p in rec.get("people", ())), row.window_minutes)


@dataclass(frozen=True)
class RulesPage:
    """The admins' rules page: every type's rule, and the teams and roles to choose recipients from."""

    rules: list[Rule]
    teams: list[tuple[int, str]]
    roles: list[str]
    people: list[tuple[int, str]] = field(default_factory=list)  # staff to name as recipients (names masked
    # for a viewer without pii.full)


STAFF_ROLES = (Role.ADMIN, Role.TEACHER, Role.MEMBER)


def staff_choices(session: Session, actor: Actor, viewer: Person, at: datetime) -> list[tuple[int, str]]:
    """Active admins, teachers and members by name, as the viewer may see their names."""
    r = pii.redactor(session, actor, viewer, "console.alert_rules", at)
    return [(int(i), r.name(int(i), n) or "") for i, n in session.execute(
        select(Person.id, Person.name).where(Person.status == PersonStatus.ACTIVE, Person.role.in_(STAFF_ROLES))
        .order_by(Person.name, Person.id))]


def list_rules(uow: UnitOfWork, actor: Actor) -> RulesPage:
    """Every type's rule, for the admins' rules page."""
    with uow:
        me = require(uow.session, actor, "alerts.manage")
        teams = [(i, n) for i, n in uow.session.execute(select(Team.id, Team.name).order_by(Team.name))]
        return RulesPage([rule_of(uow.session, t) for t in DEFAULTS], teams, [r.value for r in Role],
                         staff_choices(uow.session, actor, me, uow.now))


def save_rule(uow: UnitOfWork, actor: Actor, alert_type: str, *, enabled: bool, threshold: int | None,
              severity: str, roles: list[str], teams: list[int], people: list[int], window_minutes: int) -> Rule:
    """An admin sets one type's rule (enable, threshold, severity, recipients, window)."""
    if alert_type not in DEFAULTS:
        raise InvalidInput(f"Unknown alert type {alert_type!r}.")
    if severity not in SEVERITIES:
        raise InvalidInput(f"Severity is one of {', '.join(SEVERITIES)}.")
    bad = [r for r in roles if r not in {x.value for x in Role}]
    if bad:
        raise InvalidInput(f"Not a role: {', '.join(bad)}.")
    if window_minutes < 0 or (threshold is not None and threshold < 0):
        raise InvalidInput("The window and the threshold cannot be negative.")
    with uow:
        require(uow.session, actor, "alerts.manage")
        now = uow.now
        row = uow.session.get(AlertRule, alert_type)
        if row is None:
            row = AlertRule(type=alert_type, created_at=now, recipients={}, severity=severity)
            uow.session.add(row)
        row.enabled, row.threshold, row.severity, row.window_minutes = enabled, threshold, severity, window_minutes
        row.recipients = {"roles": sorted(set(roles)), "teams": sorted(set(teams)), "people": sorted(set(people))}
        row.updated_at = now
        record(uow.session, actor, "alert_rule.saved", "alert_rule", alert_type, now,
               enabled=enabled, severity=severity)
        uow.commit()
        return rule_of(uow.session, alert_type)


def recipients_of(session: Session, rule: Rule) -> list[int]:
    """Active people named by the rule's roles, teams and people."""
    ids: set[int] = set(rule.people)
    if rule.roles:
        ids |= set(session.scalars(select(Person.id).where(Person.role.in_(list(rule.roles)))))
    if rule.teams:
        ids |= set(session.scalars(select(TeamMember.person_id).where(TeamMember.team_id.in_(list(rule.teams)))))
    if not ids:
        return []
    return sorted(session.scalars(select(Person.id).where(Person.id.in_(ids), Person.status == PersonStatus.ACTIVE)))


@dataclass(frozen=True)
class Subscription:
    """A person's choice for one type: whether, and by which channel."""

    type: str
    label: str
    enabled: bool
    channel: str


def subscriptions_in(session: Session, person_ids: list[int], alert_type: str) -> dict[int, AlertSubscription]:
    """The stored choices of these people for one type (absent: receive by their usual channels)."""
    if not person_ids:
        return {}
    return {s.person_id: s for s in session.scalars(select(AlertSubscription).where(
        AlertSubscription.type == alert_type, AlertSubscription.person_id.in_(person_ids)))}


def my_subscriptions(uow: UnitOfWork, actor: Actor) -> list[Subscription]:
    """The actor's choice per alert type."""
    with uow:
        person = load_active(uow.session, actor)
        stored = {s.type: s for s in uow.session.scalars(select(AlertSubscription).where(
            AlertSubscription.person_id == person.id))}
        return [Subscription(t, r.label, stored[t].enabled if t in stored else True,
                             stored[t].channel if t in stored else "telegram") for t, r in DEFAULTS.items()]


def subscribe(uow: UnitOfWork, actor: Actor, choices: dict[str, tuple[bool, str]]) -> list[Subscription]:
    """The actor chooses, per alert type, whether and where (telegram, email, both) to receive it."""
    for alert_type, (_on, channel) in choices.items():
        if alert_type not in DEFAULTS:
            raise InvalidInput(f"Unknown alert type {alert_type!r}.")
        if channel not in CHANNELS:
            raise InvalidInput(f"Channel is one of {', '.join(CHANNELS)}.")
    with uow:
        person = load_active(uow.session, actor)
        for alert_type, (enabled, channel) in choices.items():
            row = uow.session.get(AlertSubscription, (person.id, alert_type))
            if row is None:
                row = AlertSubscription(person_id=person.id, type=alert_type, created_at=uow.now)
                uow.session.add(row)
            row.enabled, row.channel = enabled, channel
        record(uow.session, actor, "alert_subscription.saved", "person", person.id, uow.now,
               choices={t: [e, c] for t, (e, c) in choices.items()})
        uow.commit()
    return my_subscriptions(uow, actor)
