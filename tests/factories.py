"""Builders of the objects tests need, through the real services (never the ORM by hand).

The fixtures in the conftest files are thin wrappers over these; a test file keeps only the world
that is its own (a `World` class, a `school`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from itertools import count as counter
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches
from domain.models import Person, Role, Task
from domain.people import services as people
from domain.tasks import services as tasks
from domain.uow import Database

if TYPE_CHECKING:
    from tgsandbox.client import SandboxClient

SYSTEM = Actor.system()


class PersonFactory:
    """Adds people through the real services; linked to Telegram and active unless told otherwise.

    Each factory numbers its people from 1 (phones +4477009000nn, Telegram ids 500000 + n)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self._numbers = counter(1)

    def __call__(self, role: Role = Role.MEMBER, name: str | None = None, *, active: bool = True) -> Person:
        n = next(self._numbers)
        phone = f"+4477009{n:05d}"
        person = people.add_person(self.db.uow(), SYSTEM, name=name or f"{role.value.title()} {n}",
                                   phone=phone, role=role).person
        if active:
            person = people.link_telegram(self.db.uow(), phone=phone, telegram_user_id=500_000 + n,
                                          chat_id=500_000 + n).person
        return person


async def sandbox_person(db: Database, client: SandboxClient, *, first_name: str, name: str, phone: str,
                         role: Role) -> Person:
    """A sandbox user linked to an allowlisted person of that phone (as if they had shared it)."""
    user = await client.create_user(first_name, phone=phone)
    people.add_person(db.uow(), SYSTEM, name=name, phone=phone, role=role)
    return people.link_telegram(db.uow(), phone=phone, telegram_user_id=user["id"], chat_id=user["id"]).person


def assign_one(db: Database, by: Person, to: Person, title: str, **spec: Any) -> int:
    """`by` assigns one task to `to`; returns the task's id."""
    result = tasks.assign(db.uow(), Actor.telegram(by.id),
                          tasks.AssignmentSpec(title=title, person_ids=[to.id], **spec))
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(Task.id).where(Task.assignment_id == result.assignment_id))


def physics_class(db: Database, make_person: PersonFactory, students: Sequence[str]) -> dict[str, Any]:
    """Physics 10 on Mondays 16:00-17:00 (London): Tina Teacher, the named students enrolled from
    1 Oct 2026, and two parents (Parent 0 of the first student, Parent 1 of the first two)."""
    teacher = make_person(Role.TEACHER, "Tina Teacher")
    enrolled = [make_person(Role.STUDENT, name) for name in students]
    parents = [make_person(Role.PARENT, f"Parent {n}") for n in range(2)]
    people.link_parent(db.uow(), SYSTEM, parents[0].id, enrolled[0].id)
    people.link_parent(db.uow(), SYSTEM, parents[1].id, enrolled[0].id)
    people.link_parent(db.uow(), SYSTEM, parents[1].id, enrolled[1].id)
    batch = batches.create_batch(db.uow(), SYSTEM, name="Physics 10", subject="Physics", teacher_ids=[teacher.id])
    batches.add_slot(db.uow(), SYSTEM, batch.id, weekday=0, start="16:00", duration_minutes=60)
    for student in enrolled:
        batches.enrol(db.uow(), SYSTEM, batch.id, student.id, date(2026, 10, 1))
    return {"teacher": teacher, "students": enrolled, "parents": parents, "batch": batch}
