"""Admin changes to teams and the organisation CC list; each audited, in one transaction.

    TeamSpec(name, description="", fields=(FieldSpec...), options={})
    MemberSpec(person_id, is_lead=False, notify_new=False, notify_resolved=False)
    create_team(uow, actor, spec, members=()) -> TeamRow
    update_team(uow, actor, team_id, spec) -> TeamRow
    set_members(uow, actor, team_id, members) -> TeamRow     replaces the whole list
    archive_team(uow, actor, team_id, archived=True) -> TeamRow
    set_org_cc(uow, actor, person_ids) -> list[PersonRef]    replaces the whole list
Only admins (or the operator's shell, Actor.system()) may call these.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import delete, select

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.models import DeskCc, Person, PersonStatus, Team, TeamMember
from domain.perms.catalogue import OPS_ADMIN
from domain.perms.check import require_or_system
from domain.teams.queries import FieldSpec, PersonRef, TeamRow, cc_people, team_row
from domain.uow import UnitOfWork

FIELD_KEY = re.compile(r"^[a-z][a-z0-9_]{0,29}$")
MAX_FIELDS = 12


@dataclass(frozen=True)
class TeamSpec:
    name: str
    description: str = ""
    fields: Sequence[FieldSpec] = ()
    options: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class MemberSpec:
    person_id: int
    is_lead: bool = False
    notify_new: bool = False
    notify_resolved: bool = False


def _checked(uow: UnitOfWork, spec: TeamSpec, team_id: int | None) -> tuple[str, dict[str, Any]]:
    name = " ".join((spec.name or "").split())
    if not name or len(name) > 80:
        raise InvalidInput("A team needs a name of 1 to 80 characters.")
    clash = uow.session.scalar(select(Team.id).where(Team.name == name))
    if clash is not None and clash != team_id:
        raise InvalidInput(f"A team called {name!r} already exists.")
    if len(spec.fields) > MAX_FIELDS:
        raise InvalidInput(f"A team has at most {MAX_FIELDS} extra fields.")
    keys = [f.key for f in spec.fields]
    for key in keys:
        if not FIELD_KEY.match(key):
            raise InvalidInput(f"Field key {key!r}: lower-case letters, digits and _, starting with a letter.")
    if len(set(keys)) != len(keys):
        raise InvalidInput("Two extra fields have the same key.")
    fields = {"fields": [{"key": f.key, "label": (f.label or f.key).strip()[:60], "required": f.required}
                         for f in spec.fields]}
    return name, fields


def create_team(uow: UnitOfWork, actor: Actor, spec: TeamSpec, members: Sequence[MemberSpec] = ()) -> TeamRow:
    """A new team with its extra fields and first members."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        name, fields = _checked(uow, spec, None)
        team = Team(name=name, description=(spec.description or "").strip(), extra_fields=fields,
                    options=dict(spec.options), created_at=uow.now)
        uow.session.add(team)
        uow.session.flush()
        _replace_members(uow, team.id, members)
        audit.record(uow.session, actor, "team.create", "team", team.id, uow.now, name=name,
                     members=[m.person_id for m in members])
        row = team_row(uow.session, team.id)
        uow.commit()
        return row


def update_team(uow: UnitOfWork, actor: Actor, team_id: int, spec: TeamSpec) -> TeamRow:
    """Rename a team, change its description, extra fields or options."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        team = _team(uow, team_id)
        name, fields = _checked(uow, spec, team_id)
        team.name, team.description, team.extra_fields = name, (spec.description or "").strip(), fields
        team.options = dict(spec.options)
        audit.record(uow.session, actor, "team.update", "team", team_id, uow.now, name=name,
                     fields=[f["key"] for f in fields["fields"]])
        uow.session.flush()
        row = team_row(uow.session, team_id)
        uow.commit()
        return row


def set_members(uow: UnitOfWork, actor: Actor, team_id: int, members: Sequence[MemberSpec]) -> TeamRow:
    """Replace a team's members, leads and default recipients."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        _team(uow, team_id)
        _replace_members(uow, team_id, members)
        audit.record(uow.session, actor, "team.members", "team", team_id, uow.now,
                     members=[m.person_id for m in members],
                     leads=[m.person_id for m in members if m.is_lead])
        row = team_row(uow.session, team_id)
        uow.commit()
        return row


def archive_team(uow: UnitOfWork, actor: Actor, team_id: int, archived: bool = True) -> TeamRow:
    """Take a team off the list of those new requests can go to (its tickets stay), or bring it back."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        team = _team(uow, team_id)
        team.archived_at = uow.now if archived else None
        audit.record(uow.session, actor, "team.archive" if archived else "team.restore", "team", team_id,
                     uow.now)
        uow.session.flush()
        row = team_row(uow.session, team_id)
        uow.commit()
        return row


def set_org_cc(uow: UnitOfWork, actor: Actor, person_ids: Sequence[int]) -> list[PersonRef]:
    """Replace the organisation-wide list copied on every new ticket."""
    with uow:
        require_or_system(uow.session, actor, OPS_ADMIN)
        wanted = _active(uow, person_ids)
        uow.session.execute(delete(DeskCc))
        uow.session.add_all(DeskCc(person_id=pid, added_at=uow.now) for pid in wanted)
        audit.record(uow.session, actor, "desk.cc", "desk", None, uow.now, people=sorted(wanted))
        uow.session.flush()
        people = cc_people(uow.session)
        uow.commit()
        return people


def _team(uow: UnitOfWork, team_id: int) -> Team:
    team = uow.session.get(Team, team_id)
    if team is None:
        raise NotFound("No such team.")
    return team


def _active(uow: UnitOfWork, person_ids: Sequence[int]) -> set[int]:
    wanted = set(person_ids)
    found = set(uow.session.scalars(select(Person.id).where(
        Person.id.in_(wanted), Person.status != PersonStatus.DISABLED)))
    if wanted - found:
        raise InvalidInput("Some of the people chosen do not exist or are disabled.")
    return found


def _replace_members(uow: UnitOfWork, team_id: int, members: Sequence[MemberSpec]) -> None:
    ids = [m.person_id for m in members]
    if len(set(ids)) != len(ids):
        raise InvalidInput("A person is listed twice.")
    _active(uow, ids)
    uow.session.execute(delete(TeamMember).where(TeamMember.team_id == team_id))
    uow.session.add_all(TeamMember(team_id=team_id, person_id=m.person_id, is_lead=m.is_lead,
                                   notify_new=m.notify_new, notify_resolved=m.notify_resolved,
                                   added_at=uow.now) for m in members)
    uow.session.flush()
