"""Teams are managed by admins only: members, leads, recipients, extra fields, the CC list; all audited."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from domain.errors import Forbidden, InvalidInput
from domain.models import AuditEntry
from domain.teams import queries as team_queries
from domain.teams import services as teams
from domain.teams.queries import FieldSpec
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets.rows import TicketSpec


def test_admins_manage_teams_and_others_only_read_them(world):
    admin, lead = world.actor(world.admin), world.actor(world.lead)
    with pytest.raises(Forbidden):
        teams.create_team(world.db.uow(), lead, TeamSpec("IT"))
    with pytest.raises(InvalidInput):
        teams.create_team(world.db.uow(), admin, TeamSpec("Facilities"))
    with pytest.raises(InvalidInput):
        teams.create_team(world.db.uow(), admin, TeamSpec("IT", fields=[FieldSpec("Bad Key", "x")]))
    it = teams.create_team(world.db.uow(), admin, TeamSpec("IT", fields=[FieldSpec("asset", "Asset tag", True)],
                                                           options={"file_kinds": ["docx"]}),
                           [MemberSpec(world.crew.id, is_lead=True)])
    assert it.file_kinds == {"jpeg", "png", "webp", "gif", "pdf", "docx"}
    assert world.facilities.file_kinds == {"jpeg", "png", "webp", "gif", "pdf"}
    assert [m.name for m in it.leads] == ["Carl Crew"] and it.field("asset").required
    it = teams.set_members(world.db.uow(), admin, it.id, [MemberSpec(world.crew2.id, is_lead=True, notify_new=True)])
    assert it.member_ids == {world.crew2.id}
    teams.archive_team(world.db.uow(), admin, it.id)
    names = [t.name for t in team_queries.list_teams(world.db.uow(readonly=True), world.actor(world.rita))]
    assert names == ["Facilities", "Operations"]
    cc = teams.set_org_cc(world.db.uow(), admin, [world.admin.id])
    assert [p.name for p in cc] == ["Ada Admin"]
    with world.db.uow(readonly=True) as uow:
        assert list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.action.like("team.%"))
                                        .order_by(AuditEntry.id)))[-3:] == ["team.create", "team.members",
                                                                            "team.archive"]


def test_a_required_extra_field_is_asked_for(world):
    from domain.tickets import services as desk

    with pytest.raises(InvalidInput, match="Booking ID is required"):
        desk.file_ticket(world.db.uow(), world.actor(world.rita), TicketSpec(world.operations.id, "Refund"))
    with pytest.raises(InvalidInput, match="no field"):
        desk.file_ticket(world.db.uow(), world.actor(world.rita),
                         TicketSpec(world.operations.id, "Refund", fields={"booking_id": "B1", "colour": "red"}))
