"""The audit log as the console shows it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, or_, select

from domain.actors import Actor
from domain.errors import InvalidInput
from domain.models import (
    AuditEntry,
    Channel,
    Person,
)
from domain.perms.catalogue import AUDIT_READ
from domain.perms.check import require
from domain.uow import UnitOfWork

# --- audit log -----------------------------------------------------------------------------

@dataclass(frozen=True)
class AuditQuery:
    actor_id: int | None = None
    action: str = ""  # a prefix such as "task." or an exact action
    channel: Channel | None = None
    object_type: str = ""
    since: datetime | None = None
    until: datetime | None = None


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    actor_id: int | None
    actor_name: str | None
    action: str
    object_type: str
    object_id: str | None
    channel: Channel
    ip: str | None
    details: dict[str, object]
    user_agent: str | None = None


@dataclass(frozen=True)
class AuditPage:
    total: int
    limit: int
    offset: int
    rows: list[AuditRow]
    actions: list[str]  # every action seen, for the filter
    actors: list[tuple[int, str]]


def audit_log(uow: UnitOfWork, actor: Actor, q: AuditQuery = AuditQuery(), *, limit: int = 100,
              offset: int = 0) -> AuditPage:
    """Who did what, when, through which channel (admins only), newest first."""
    if not 1 <= limit <= 500 or offset < 0:
        raise InvalidInput("The page is out of range.")
    c: list[ColumnElement[bool]] = []
    if q.actor_id is not None:
        c.append(AuditEntry.actor_id == q.actor_id)
    if q.action:
        c.append(or_(AuditEntry.action == q.action, AuditEntry.action.startswith(q.action.rstrip(".") + ".")))
    if q.channel is not None:
        c.append(AuditEntry.channel == q.channel)
    if q.object_type:
        c.append(AuditEntry.object_type == q.object_type)
    if q.since is not None:
        c.append(AuditEntry.at >= q.since)
    if q.until is not None:
        c.append(AuditEntry.at < q.until)
    with uow:
        require(uow.session, actor, AUDIT_READ)
        total = uow.session.scalar(select(func.count()).select_from(AuditEntry).where(*c)) or 0
        rows = uow.session.execute(
            select(AuditEntry, Person.name).outerjoin(Person, Person.id == AuditEntry.actor_id).where(*c)
            .order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit).offset(offset)).all()
        actions = list(uow.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action)))
        actors = [(i, n) for i, n in uow.session.execute(
            select(Person.id, Person.name).where(Person.id.in_(select(AuditEntry.actor_id)))
            .order_by(Person.name))]
    return AuditPage(int(total), limit, offset, [
        AuditRow(e.id, e.at, e.actor_id, name, e.action, e.object_type, e.object_id, e.channel, e.ip,
                 dict(e.details or {}), e.user_agent) for e, name in rows], actions, actors)
