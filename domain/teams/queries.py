"""Team reads (stable API for the bot and the console).

    FieldSpec(key, label, required)              one extra ticket field a team declares
    TeamMemberRow(person_id, name, is_lead, notify_new, notify_resolved)
    TeamRow(id, name, description, fields, options, archived, members)   .leads / .member_ids / .file_kinds
    PersonRef(id, name)
    list_teams(uow, actor, include_archived=False) -> list[TeamRow]   any active person (to file requests)
    get_team(uow, actor, team_id) -> TeamRow
    org_cc(uow, actor) -> list[PersonRef]                              admins
    team_row(session, team_id) / team_ids_of(session, person_id)     helpers inside a unit of work
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import NotFound
from domain.files import DEFAULT_KINDS
from domain.models import DeskCc, Person, Team, TeamMember
from domain.perms.catalogue import OPS_ADMIN
from domain.perms.check import require_or_system
from domain.uow import UnitOfWork


@dataclass(frozen=True)
class FieldSpec:
    """An extra field a team's tickets carry (booking id, customer, contact, location...)."""

    key: str
    label: str
    required: bool = False


@dataclass(frozen=True)
class TeamMemberRow:
    person_id: int
    name: str
    is_lead: bool = False
    notify_new: bool = False
    notify_resolved: bool = False


@dataclass(frozen=True)
class PersonRef:
    id: int
    name: str


@dataclass(frozen=True)
class TeamRow:
    """A team with its people; `options` holds switches such as allow_any_files."""

    id: int
    name: str
    description: str
    fields: tuple[FieldSpec, ...]
    options: dict[str, Any]
    archived: bool
    members: tuple[TeamMemberRow, ...] = ()

    @property
    def leads(self) -> tuple[TeamMemberRow, ...]:
        return tuple(m for m in self.members if m.is_lead)

    @property
    def member_ids(self) -> frozenset[int]:
        return frozenset(m.person_id for m in self.members)

    def field(self, key: str) -> FieldSpec | None:
        return next((f for f in self.fields if f.key == key), None)

    @property
    def file_kinds(self) -> frozenset[str]:
        """The file kinds its tickets accept: images and PDF, plus what `options["file_kinds"]` adds
        (e.g. ["docx", "xlsx"]); pass it as `allowed` to the attachment store."""
        extra = self.options.get("file_kinds") or []
        return DEFAULT_KINDS | frozenset(str(k).lower() for k in extra if isinstance(k, str))


def fields_of(team: Team) -> tuple[FieldSpec, ...]:
    """The team's declared extra fields, in order."""
    raw = (team.extra_fields or {}).get("fields", [])
    return tuple(FieldSpec(f["key"], f.get("label") or f["key"], bool(f.get("required"))) for f in raw)


def team_row(session: Session, team_id: int) -> TeamRow:
    """One team with its members (inside an open unit of work); NotFound if there is none."""
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    members = session.execute(
        select(TeamMember, Person.name).join(Person, Person.id == TeamMember.person_id)
        .where(TeamMember.team_id == team_id).order_by(TeamMember.is_lead.desc(), Person.name)).all()
    return TeamRow(team.id, team.name, team.description, fields_of(team), dict(team.options or {}),
                   team.archived_at is not None,
                   tuple(TeamMemberRow(m.person_id, name, m.is_lead, m.notify_new, m.notify_resolved)
                         for m, name in members))


def team_ids_of(session: Session, person_id: int) -> set[int]:
    """The teams a person is on (as member or lead)."""
    return set(session.scalars(select(TeamMember.team_id).where(TeamMember.person_id == person_id)))


def list_teams(uow: UnitOfWork, actor: Actor, include_archived: bool = False) -> list[TeamRow]:
    """The teams, by name (any active person may list them: they choose one to file a request)."""
    with uow:
        load_active(uow.session, actor)
        stmt = select(Team.id).order_by(Team.name)
        if not include_archived:
            stmt = stmt.where(Team.archived_at.is_(None))
        return [team_row(uow.session, tid) for tid in uow.session.scalars(stmt)]


def get_team(uow: UnitOfWork, actor: Actor, team_id: int) -> TeamRow:
    """One team with its members."""
    with uow:
        load_active(uow.session, actor)
        return team_row(uow.session, team_id)


def org_cc(uow: UnitOfWork, actor: Actor) -> list[PersonRef]:
    """The organisation-wide list copied on every new ticket (admins)."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        return cc_people(uow.session)


def cc_people(session: Session) -> list[PersonRef]:
    """The CC list inside an open unit of work."""
    return [PersonRef(pid, name) for pid, name in session.execute(
        select(Person.id, Person.name).join(DeskCc, DeskCc.person_id == Person.id).order_by(Person.name))]
