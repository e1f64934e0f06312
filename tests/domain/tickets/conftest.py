"""A small desk: Facilities (lead Lena, crew Carl and Cora, Nina told of new tickets) and Operations
(lead Otto, with booking id / customer fields), a requester Rita, an admin and an outsider."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.models import Notification, Person, Role
from domain.teams import services as teams
from domain.teams.queries import FieldSpec, TeamRow
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from domain.uow import Database


@dataclass
class Desk:
    db: Database
    admin: Person
    lead: Person
    crew: Person
    crew2: Person
    nina: Person
    rita: Person
    otto: Person
    outsider: Person
    facilities: TeamRow
    operations: TeamRow

    def actor(self, p: Person) -> Actor:
        return Actor.telegram(p.id)

    def file(self, who: Person | None = None, **kw) -> int:
        kw.setdefault("team_id", self.facilities.id)
        kw.setdefault("title", "Leaking tap in room 4")
        kw.setdefault("fields", {"location": "Room 4"} if kw["team_id"] == self.facilities.id else {})
        return desk.file_ticket(self.db.uow(), self.actor(who or self.rita), TicketSpec(**kw)).ticket.id

    def outbox(self, kind: str | None = None) -> list[tuple[str, int, dict]]:
        with self.db.uow(readonly=True) as uow:
            stmt = select(Notification.kind, Notification.recipient_id, Notification.data).order_by(Notification.id)
            rows = [(k, r, d) for k, r, d in uow.session.execute(stmt)]
        return [r for r in rows if kind is None or r[0] == kind]

    def told(self, kind: str) -> list[int]:
        return [r for k, r, _ in self.outbox(kind)]


@pytest.fixture
def world(db, make_person) -> Desk:
    admin = make_person(Role.ADMIN, "Ada Admin")
    lead, crew, crew2 = make_person(Role.MEMBER, "Lena Lead"), make_person(Role.MEMBER, "Carl Crew"), \
        make_person(Role.MEMBER, "Cora Crew")
    nina, rita = make_person(Role.MEMBER, "Nina Notify"), make_person(Role.STUDENT, "Rita Requester")
    otto, outsider = make_person(Role.MEMBER, "Otto Ops"), make_person(Role.MEMBER, "Olga Ops")
    system = Actor.system()
    facilities = teams.create_team(db.uow(), system, TeamSpec("Facilities", fields=[FieldSpec("location", "Location")]),
                                   [MemberSpec(lead.id, is_lead=True), MemberSpec(crew.id), MemberSpec(crew2.id),
                                    MemberSpec(nina.id, notify_new=True, notify_resolved=True)])
    operations = teams.create_team(db.uow(), system, TeamSpec("Operations", fields=[
        FieldSpec("booking_id", "Booking ID", required=True), FieldSpec("customer", "Customer")]),
        [MemberSpec(otto.id, is_lead=True), MemberSpec(outsider.id)])
    return Desk(db, admin, lead, crew, crew2, nina, rita, otto, outsider, facilities, operations)
