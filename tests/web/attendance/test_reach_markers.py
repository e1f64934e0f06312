"""The attendance sheet marks students whose family Telegram cannot reach (never linked, blocked the bot)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select, update

from domain.actors import Actor
from domain.attendance import schedule
from domain.auth import services as auth
from domain.models import ClassSession, Person, Role
from domain.people import services as people
from domain.people.reach import family_reach_of
from tests.auxil.web import client, make_deps
from tests.factories import physics_class

CLASS_DAY = date(2026, 11, 2)
OPENING = datetime(2026, 11, 2, 15, 50, tzinfo=UTC)


def fieldset(html: str, student_id: int) -> str:
    match = re.search(rf'<fieldset class="student" id="student-{student_id}".*?</fieldset>', html, re.S)
    assert match, f"no row for student {student_id}"
    return match[0]


async def test_the_sheet_shows_who_cannot_be_reached(db, make_person, clock):
    made = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown", "Cy Chen"])
    amir, bea, cy = made["students"]
    nell = make_person(Role.PARENT, "Nell Never", active=False)  # allowlisted, never opened the bot
    people.link_parent(db.uow(), Actor.system(), nell.id, cy.id)
    with db.uow() as uow:  # Parent 0 (Amir's) blocked the bot: the delivery loop recorded it
        uow.session.execute(update(Person).where(Person.id == made["parents"][0].id)
                            .values(telegram_unreachable_at=uow.now))
        uow.commit()
    schedule.ensure_sessions(db.uow(), CLASS_DAY, CLASS_DAY, "Europe/London")
    with db.uow(readonly=True) as uow:
        session_id = uow.session.scalars(select(ClassSession.id)).one()
    clock.set(OPENING)
    schedule.open_due(db.uow())
    token = auth.issue_one_time(db.uow(), purpose="attendance", person_id=made["teacher"].id,
                                ttl=timedelta(hours=3), object_id=session_id)
    async with client(make_deps(db)) as http:
        html = (await http.get(f"/attendance/sheet/{token}")).text
    assert "Parent 0 (parent): blocked the bot" in fieldset(html, amir.id)
    assert "not reachable" in fieldset(html, amir.id) and "Parent 1" not in fieldset(html, amir.id)
    assert "not reachable" not in fieldset(html, bea.id)
    assert "Nell Never (parent): never linked Telegram" in fieldset(html, cy.id)

    found = family_reach_of(db.uow(readonly=True), Actor.web(made["teacher"].id, None), [amir.id, bea.id, cy.id])
    assert {sid: f.notes for sid, f in found.items()} == {
        amir.id: ("Parent 0 (parent): blocked the bot",), bea.id: (),
        cy.id: ("Nell Never (parent): never linked Telegram",)}
    assert found[bea.id].all_reachable
