"""People as the console lists and exports them; invitations."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import aliased

from domain import pii
from domain.actors import Actor
from domain.csv_export import write_csv
from domain.errors import InvalidInput, NotFound
from domain.models import (
    ParentLink,
    Person,
    PersonStatus,
    Role,
)
from domain.perms.catalogue import PEOPLE_MANAGE
from domain.perms.check import require
from domain.tokens import Signer
from domain.uow import UnitOfWork

INVITE_PURPOSE = "invite"  # the bot's /start <token> checks this purpose
INVITE_TTL = timedelta(days=7)


MAX_PEOPLE_LISTED = 1000
MAX_EXPORT_ROWS = 50_000


# --- people --------------------------------------------------------------------------------

@dataclass(frozen=True)
class PersonRow:
    id: int
    name: str
    phone: str
    role: Role
    status: PersonStatus
    linked: bool
    timezone: str | None
    parents: tuple[str, ...] = ()
    children: tuple[str, ...] = ()
    email: str | None = None
    email_verified: bool = False


@dataclass(frozen=True)
class PeopleFilter:
    search: str = ""
    role: Role | None = None
    status: PersonStatus | None = None


def _people_conditions(f: PeopleFilter) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = []
    if f.role is not None:
        conditions.append(Person.role == f.role)
    if f.status is not None:
        conditions.append(Person.status == f.status)
    text = " ".join((f.search or "").split())
    if text:
        digits = re.sub(r"\D", "", text)
        like = f"%{text}%"
        match = [Person.name.ilike(like)]
        if len(digits) >= 3:
            match.append(Person.phone.contains(digits))
        conditions.append(or_(*match))
    return conditions


def list_people(uow: UnitOfWork, actor: Actor, f: PeopleFilter = PeopleFilter(),
                limit: int = MAX_PEOPLE_LISTED, where: str = "console.people") -> list[PersonRow]:
    """The allowlist (people.manage), with parents and children; PII as the viewer may see it (audited)."""
    with uow:
        me = require(uow.session, actor, PEOPLE_MANAGE)
        r = pii.redactor(uow.session, actor, me, where, uow.now)
        people = list(uow.session.scalars(
            select(Person).where(*_people_conditions(f)).order_by(Person.name, Person.id).limit(limit)))
        ids = [p.id for p in people]
        parent, child = aliased(Person), aliased(Person)
        links = uow.session.execute(
            select(ParentLink.parent_id, parent.name, ParentLink.child_id, child.name)
            .join(parent, parent.id == ParentLink.parent_id).join(child, child.id == ParentLink.child_id)
            .where(or_(ParentLink.parent_id.in_(ids), ParentLink.child_id.in_(ids)))).all() if ids else []
        parents_of: dict[int, list[str]] = defaultdict(list)
        children_of: dict[int, list[str]] = defaultdict(list)
        for parent_id, parent_name, child_id, child_name in links:
            parents_of[child_id].append(r.name(parent_id, parent_name) or "")
            children_of[parent_id].append(r.name(child_id, child_name) or "")
        rows = [PersonRow(p.id, r.name(p.id, p.name) or "", r.phone(p.id, p.phone) or "", p.role, p.status,
                          p.telegram_user_id is not None, p.timezone,
                          tuple(sorted(parents_of[p.id])), tuple(sorted(children_of[p.id])),
                          r.email(p.id, p.email), p.email_verified_at is not None)
                for p in people]
        if r.full and r.seen:
            r.done()
            uow.commit()
    return rows


def person_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str, Role]]:
    """(id, name as the viewer may see it, role) of everyone not disabled, for pickers on admin pages."""
    with uow:
        me = require(uow.session, actor, PEOPLE_MANAGE)
        red = pii.redactor(uow.session, actor, me, "console.people", uow.now)
        return [(i, red.name(i, n) or "", r) for i, n, r in uow.session.execute(
            select(Person.id, Person.name, Person.role).where(Person.status != PersonStatus.DISABLED)
            .order_by(Person.name, Person.id))]


def invite_token(uow: UnitOfWork, actor: Actor, person_id: int, keys: tuple[str, ...]) -> str:
    """A signed /start token (7 days) for an invited person (people.manage)."""
    with uow:
        require(uow.session, actor, PEOPLE_MANAGE)
        person = uow.session.get(Person, person_id)
        if person is None:
            raise NotFound("No such person.")
        if person.status == PersonStatus.DISABLED:
            raise InvalidInput(f"{person.name} is disabled; activate them before inviting.")
        if person.telegram_user_id is not None:
            raise InvalidInput(f"{person.name} has already linked Telegram.")
        return Signer(keys).sign_id(INVITE_PURPOSE, person.id, uow.now, INVITE_TTL)


def export_people_csv(uow: UnitOfWork, actor: Actor) -> str:
    """Everyone the actor may list, as CSV (phones kept raw, other cells formula-guarded)."""
    rows = list_people(uow, actor, limit=MAX_EXPORT_ROWS, where="csv.people")
    return write_csv(["name", "phone", "role", "timezone", "status", "telegram_linked", "parents", "children"],
                ([p.name, p.phone, p.role.value, p.timezone or "", p.status.value,
                  "yes" if p.linked else "no", "; ".join(p.parents), "; ".join(p.children)]
                 for p in rows), raw_columns=[1])


