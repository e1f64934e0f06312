"""A small desk with open tickets and tasks at known times, for the queue and the metrics.

Facilities (lead Lena, crew Carl) and Operations (lead Otto); an admin Ada; a teacher Tess who gives
Carl a plain task. Times are set directly on the rows so the orderings are known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import update

from domain.actors import Actor
from domain.models import Person, Priority, Role, Task, Ticket
from domain.teams import services as teams
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from domain.uow import Database
from tests.factories import assign_one


@dataclass
class World:
    db: Database
    admin: Person
    lena: Person
    carl: Person
    otto: Person
    tess: Person
    rita: Person
    tickets: dict[str, int]  # name -> ticket id
    tasks: dict[str, int]


TIMES: dict[str, tuple[int, int | None]] = {}  # ticket title -> (created hours ago, deadline in hours)


def _ticket(db: Database, rita: Person, team_id: int, title: str, priority: Priority, created_h: int,
            due_h: int | None) -> int:
    TIMES[title] = (created_h, due_h)
    return desk.file_ticket(db.uow(), Actor.telegram(rita.id), TicketSpec(team_id=team_id, title=title,
                                                                           priority=priority)).ticket.id


def _set_times(db: Database, tickets: dict[str, int], titles: dict[str, str]) -> None:
    """Known created and due times; the stored SLA deadline is the due time, no risk moment (the test
    of sla's deadlines sets its own)."""
    with db.uow() as uow:
        now = uow.now
        for key, tid in tickets.items():
            created_h, due_h = TIMES[titles[key]]
            due = None if due_h is None else now + timedelta(hours=due_h)
            uow.session.execute(update(Ticket).where(Ticket.id == tid).values(
                created_at=now - timedelta(hours=created_h), due_at=due, sla_due_at=due, sla_risk_at=None))
        uow.commit()


@pytest.fixture
def world(db, make_person) -> World:
    admin = make_person(Role.ADMIN, "Ada Admin")
    lena, carl, otto = (make_person(Role.MEMBER, n) for n in ("Lena Lead", "Carl Crew", "Otto Ops"))
    tess, rita = make_person(Role.TEACHER, "Tess Teacher"), make_person(Role.MEMBER, "Rita Requester")
    system = Actor.system()
    fac = teams.create_team(db.uow(), system, TeamSpec("Facilities"),
                            [MemberSpec(lena.id, is_lead=True), MemberSpec(carl.id)])
    ops = teams.create_team(db.uow(), system, TeamSpec("Operations"), [MemberSpec(otto.id, is_lead=True)])
    tickets = {
        "tap": _ticket(db, rita, fac.id, "Leaking tap", Priority.URGENT, 5, -1),  # breached an hour ago
        "light": _ticket(db, rita, fac.id, "Broken light", Priority.LOW, 30, 2),
        "desk": _ticket(db, rita, fac.id, "Wobbly desk", Priority.NORMAL, 1, None),
        "booking": _ticket(db, rita, ops.id, "Booking BK-1", Priority.HIGH, 10, 8),
    }
    desk.assign(db.uow(), Actor.telegram(lena.id), tickets["light"], [carl.id])
    _set_times(db, tickets, {"tap": "Leaking tap", "light": "Broken light", "desk": "Wobbly desk",
                             "booking": "Booking BK-1"})
    task = assign_one(db, admin, carl, "Mark essays", priority=Priority.HIGH)
    mine = assign_one(db, admin, lena, "Fill the form")
    with db.uow() as uow:
        now = uow.now
        uow.session.execute(update(Task).where(Task.id == task).values(
            created_at=now - timedelta(hours=3), due_at=now + timedelta(hours=1)))
        uow.session.execute(update(Task).where(Task.id == mine).values(
            created_at=now - timedelta(hours=50), due_at=None))
        uow.commit()
    return World(db, admin, lena, carl, otto, tess, rita, tickets, {"essays": task, "form": mine})
