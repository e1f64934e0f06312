"""The demo's fees: plans on the three batches, dues paid, partly paid and overdue, reminder stages reached."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches
from domain.clock import FixedClock
from domain.models import FeeDue, FeePlan, Role
from domain.people import services as people
from taskbell.demo_fees import seed_fees

STUDENTS = {"physics": ("s1", "s2", "s3", "s4", "s5"), "maths": ("s4", "s5", "s6", "s7", "s8"),
            "biology": ("s1", "s2", "s7", "s8")}
NAMES = {"physics": "Year 10 Physics", "maths": "Year 11 Maths", "biology": "Year 9 Biology"}


def test_the_demo_has_paid_partial_and_overdue_dues_at_every_stage(db, make_person, clock):
    system = Actor.system()
    ids = {"admin": make_person(Role.ADMIN, "Asha").id}
    ids |= {f"s{i}": make_person(Role.STUDENT, f"Student {i}").id for i in range(1, 9)}
    for i in range(1, 7):
        ids[f"p{i}"] = make_person(Role.PARENT, f"Parent {i}").id
        people.link_parent(db.uow(), system, ids[f"p{i}"], ids[f"s{i}"])
    now = clock.now()
    first_day = now.date() - timedelta(days=28)
    for key, keys in STUDENTS.items():
        batch = batches.create_batch(db.uow(), system, name=NAMES[key])
        for s in keys:
            batches.enrol(db.uow(), system, batch.id, ids[s], first_day)
    past = FixedClock(now)
    summary = seed_fees(replace(db, clock=past), past, ids, now, "Europe/London")
    assert summary.startswith("3 fee plans") and past.now() == now
    with db.uow(readonly=True) as uow:
        dues = list(uow.session.scalars(select(FeeDue)))
        assert len(list(uow.session.scalars(select(FeePlan)))) == 3
    today = now.date()
    paid = [d for d in dues if d.paid_minor >= d.amount_minor]
    partial = [d for d in dues if 0 < d.paid_minor < d.amount_minor]
    overdue = [d for d in dues if d.paid_minor < d.amount_minor and d.due_on < today]
    assert paid and partial and overdue
    unpaid = [d for d in dues if d.paid_minor < d.amount_minor]
    assert {d.reminder_stage for d in unpaid} >= {1, 2, 4}  # before, overdue, final
