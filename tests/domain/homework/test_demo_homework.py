"""The demo's homework: each batch has one; Physics has hand-ins on time, one late, one reviewed with a
comment and some missing; Maths is due tomorrow and reaches its students now."""

from __future__ import annotations

from datetime import timedelta

from domain.actors import Actor
from domain.attendance import batches
from domain.clock import FixedClock
from domain.homework import queries
from domain.models import Role
from domain.uow import Database
from taskbell.demo_homework import seed_homework_history, seed_homework_now

CLASSES = {"Year 10 Physics": ("daniel", ["s1", "s2", "s3", "s4", "s5"]),
           "Year 11 Maths": ("meera", ["s4", "s5", "s6", "s7", "s8"]),
           "Year 9 Biology": ("meera", ["s1", "s2", "s7", "s8"])}


def test_the_demo_has_homework_in_every_state(db, make_person, clock):
    ids = {k: make_person(Role.TEACHER, k).id for k in ("daniel", "meera")}
    ids |= {f"s{i}": make_person(Role.STUDENT, f"s{i}").id for i in range(1, 9)}
    first_day = (clock.now() - timedelta(days=40)).date()
    for name, (teacher, students) in CLASSES.items():
        batch = batches.create_batch(db.uow(), Actor.system(), name=name, teacher_ids=[ids[teacher]])
        for s in students:
            batches.enrol(db.uow(), Actor.system(), batch.id, ids[s], first_day)
    now = clock.now()
    past = FixedClock(now)
    assert "1 late, 1 reviewed" in seed_homework_history(Database(db.engine, db.session_factory, past), past, ids, now)
    assert seed_homework_now(db, clock, ids, now, "Europe/London") == "Maths homework due tomorrow (1 of 5 handed in)"
    states = {h.title: h.status for h in queries.homework_for_student(db.uow(readonly=True), ids["s4"])}
    assert states == {"Quadratics: completing the square": "open", "Kinematics problem set": "late"}
    reviewed = queries.homework_for_student(db.uow(readonly=True), ids["s1"])
    assert {(h.status, h.comment) for h in reviewed} == {("reviewed", "Clear working. Check the units in Q4."),
                                                         ("handed_in", None)}
    assert [h.status for h in queries.homework_for_student(db.uow(readonly=True), ids["s3"])] == ["missing"]
    summaries = queries.list_homework(db.uow(readonly=True), Actor.telegram(ids["meera"]))
    assert {s.title: s.counts_text for s in summaries} == {"Quadratics: completing the square": "1 of 5 handed in",
                                                           "Label a plant cell": "3 of 4 handed in"}
