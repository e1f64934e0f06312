"""A person's alerts: the unread list, read and dismiss; admins' broadcast to roles, teams or groups."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update

from domain.actors import Actor, load_active
from domain.alerts.raising import raise_alert
from domain.alerts.rules import SEVERITIES, Rule, rule_of
from domain.audit import record
from domain.errors import InvalidInput, NotFound
from domain.models import Alert, AlertRecipient, Group, GroupMember, Role, Team
from domain.perms.check import require
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class AlertRow:
    """One alert as its recipient sees it."""

    id: int
    type: str
    severity: str
    title: str
    text: str
    item_kind: str | None
    item_id: int | None
    created_at: datetime
    read_at: datetime | None
    dismissed_at: datetime | None


def _rows(uow: UnitOfWork, person_id: int, *, unread_only: bool, limit: int) -> list[AlertRow]:
    q = (select(Alert, AlertRecipient.read_at, AlertRecipient.dismissed_at)
         .join(AlertRecipient, AlertRecipient.alert_id == Alert.id)
         .where(AlertRecipient.person_id == person_id, AlertRecipient.dismissed_at.is_(None)))
    if unread_only:
        q = q.where(AlertRecipient.read_at.is_(None))
    return [AlertRow(a.id, a.type, a.severity, a.title, a.text, a.item_kind, a.item_id, a.created_at, r, d)
            for a, r, d in uow.session.execute(q.order_by(Alert.created_at.desc(), Alert.id.desc()).limit(limit))]


def list_unread(uow: UnitOfWork, actor: Actor, limit: int = 20) -> list[AlertRow]:
    """The actor's unread, undismissed alerts, newest first."""
    with uow:
        person = load_active(uow.session, actor)
        return _rows(uow, person.id, unread_only=True, limit=limit)


def list_mine(uow: UnitOfWork, actor: Actor, limit: int = 100) -> list[AlertRow]:
    """The actor's undismissed alerts (read or not), newest first: the console's alerts page."""
    with uow:
        person = load_active(uow.session, actor)
        return _rows(uow, person.id, unread_only=False, limit=limit)


def unread_count(uow: UnitOfWork, person_id: int) -> int:
    """How many undismissed alerts a person has not read (the console's badge)."""
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(AlertRecipient).where(
            AlertRecipient.person_id == person_id, AlertRecipient.read_at.is_(None),
            AlertRecipient.dismissed_at.is_(None))) or 0)


def _mark(uow: UnitOfWork, actor: Actor, alert_id: int, column: str) -> AlertRow:
    with uow:
        person = load_active(uow.session, actor)
        now = uow.now
        copy = uow.session.get(AlertRecipient, (alert_id, person.id))
        if copy is None:
            raise NotFound("This alert is not yours or no longer exists.")
        values = {"read_at": copy.read_at or now}
        if column == "dismissed_at":
            values["dismissed_at"] = copy.dismissed_at or now
        uow.session.execute(update(AlertRecipient).where(
            AlertRecipient.alert_id == alert_id, AlertRecipient.person_id == person.id).values(**values))
        uow.commit()
        a = uow.session.get(Alert, alert_id)
        assert a is not None
        return AlertRow(a.id, a.type, a.severity, a.title, a.text, a.item_kind, a.item_id, a.created_at,
                        values["read_at"], values.get("dismissed_at"))


def mark_read(uow: UnitOfWork, actor: Actor, alert_id: int) -> AlertRow:
    """The actor has read one of their alerts."""
    return _mark(uow, actor, alert_id, "read_at")


def dismiss(uow: UnitOfWork, actor: Actor, alert_id: int) -> AlertRow:
    """The actor dismisses one of their alerts (it leaves their lists; read too)."""
    return _mark(uow, actor, alert_id, "dismissed_at")


def broadcast(uow: UnitOfWork, actor: Actor, title: str, text: str, *, roles: Sequence[str] = (),
              teams: Sequence[int] = (), groups: Sequence[int] = (), severity: str = "info") -> int:
    """An admin announces something to roles, teams or groups; returns how many people receive it."""
    title, text = title.strip(), text.strip()
    if not title:
        raise InvalidInput("An announcement needs a title.")
    if severity not in SEVERITIES:
        raise InvalidInput(f"Severity is one of {', '.join(SEVERITIES)}.")
    with uow:
        person = require(uow.session, actor, "alerts.broadcast")
        base = rule_of(uow.session, "announcement")
        people: list[int] = []
        if groups:
            people = list(uow.session.scalars(select(GroupMember.person_id).where(GroupMember.group_id.in_(list(groups)))))
        rule = Rule("announcement", base.label, True, None, severity, tuple(roles), tuple(teams), (), 0)
        now = uow.now
        alert_id = raise_alert(uow.session, "announcement", title, text, now, key=f"{person.id}:{now.isoformat()}",
                               people=people, rule=rule, created_by=person.id)
        told = int(uow.session.scalar(select(func.count()).select_from(AlertRecipient).where(
            AlertRecipient.alert_id == alert_id)) or 0) if alert_id else 0
        record(uow.session, actor, "alert.broadcast", "alert", alert_id, now, title=title, recipients=told)
        uow.commit()
        return told


@dataclass(frozen=True)
class BroadcastChoices:
    """Whom an announcement may go to, by name: roles, teams and groups."""

    roles: list[str]
    teams: list[tuple[int, str]]
    groups: list[tuple[int, str]]


def broadcast_choices(uow: UnitOfWork, actor: Actor) -> BroadcastChoices:
    """The roles, teams (not archived) and groups to pick on the broadcast form (alerts.broadcast)."""
    with uow:
        require(uow.session, actor, "alerts.broadcast")
        teams = [(int(i), str(n)) for i, n in uow.session.execute(
            select(Team.id, Team.name).where(Team.archived_at.is_(None)).order_by(Team.name))]
        groups = [(int(i), str(n)) for i, n in uow.session.execute(select(Group.id, Group.name).order_by(Group.name))]
        return BroadcastChoices([r.value for r in Role], teams, groups)
