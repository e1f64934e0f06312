"""The risk engine reads the other features' facts: homework hand-ins (own items only), test marks
(absences are not marks) and the worst overdue fee; a student with none of a factor keeps it unknown."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import Actor
from domain.fees import plans
from domain.homework import services as homework
from domain.homework.rows import HomeworkSpec
from domain.marks import class_tests, sheet
from domain.risk import facts
from tests.factories import SYSTEM, physics_class


def test_homework_marks_and_fees_reach_the_facts(db, make_person, clock):
    world = physics_class(db, make_person, ["Zoe Zed", "Abe Able", "Cy Sea"])
    zoe, abe, cy = world["students"]
    teacher = Actor.telegram(world["teacher"].id)
    for days in (3, 2):  # two items due already
        homework.assign(db.uow(), teacher, HomeworkSpec(world["batch"].id, f"Sheet {days}",
                                                       clock.now() + timedelta(hours=1)))
    items = {}
    with db.uow(readonly=True) as uow:
        from sqlalchemy import select

        from domain.models import HomeworkItem
        for item in uow.session.scalars(select(HomeworkItem).where(HomeworkItem.student_id == zoe.id)):
            items[item.id] = item.homework_id
    homework.hand_in(db.uow(), Actor.telegram(zoe.id), min(items), "done")
    for name, day, typed in (("T1", 20, {zoe.id: ("10", False), abe.id: ("", True)}),
                             ("T2", 5, {zoe.id: ("15", False), abe.id: ("", True)})):
        test_id = class_tests.create_test(db.uow(), teacher, world["batch"].id, name,
                                          clock.now().date() - timedelta(days=day), 20)
        sheet.save_sheet(db.uow(), teacher, test_id, typed)
    plans.add_one_off(db.uow(), SYSTEM, "Lab fee", "1500", clock.now().date() - timedelta(days=40), [zoe.id])
    plans.add_one_off(db.uow(), SYSTEM, "Trip", "500", clock.now().date() + timedelta(days=5), [abe.id])
    clock.advance(timedelta(hours=2))  # both homework items are now due
    with db.uow(readonly=True) as uow:
        got = facts.gather(uow.session, [zoe.id, abe.id, cy.id], clock.now())
    assert (got[zoe.id].homework_set, got[zoe.id].homework_handed_in) == (2, 1)
    assert got[zoe.id].tests == (50.0, 75.0)  # oldest first, as percentages
    assert got[zoe.id].fee_days_overdue == 40
    assert got[abe.id].tests is None  # absent twice: no marks, tests unknown
    assert got[abe.id].fee_days_overdue == 0  # a fee not due yet: known, nothing overdue
    assert got[cy.id].fee_days_overdue is None and got[cy.id].tests is None  # no records: unknown
    assert (got[cy.id].homework_set, got[cy.id].homework_handed_in) == (2, 0)
