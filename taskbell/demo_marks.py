"""The demo's tests and referrals: one test with marks per batch (sat a week ago; Emre absent from Maths,
Chidi's Physics mark the lowest), and two referrals: Aarav's (new, for Asha to invite from the console's
Referrals) and Priya's (Leo Park, invited and enrolled in Year 9 Biology from tomorrow, so Priya's thanks
arrives in her chat when the demo starts)."""

from __future__ import annotations

from datetime import date, timedelta

from domain.actors import Actor
from domain.attendance import batches
from domain.marks import class_tests, sheet
from domain.referrals import services as referrals
from domain.uow import Database

# (teacher, batch, test, maximum, marks by student key; "A" is absent)
TESTS = (
    ("daniel", "Year 10 Physics", "Kinematics test", 20, {"s1": "17", "s2": "15.5", "s3": "8", "s4": "19",
                                                          "s5": "12"}),
    ("meera", "Year 11 Maths", "Algebra test", 50, {"s4": "41", "s5": "A", "s6": "33", "s7": "27", "s8": "48"}),
    ("meera", "Year 9 Biology", "Cells quiz", 10, {"s1": "7", "s2": "9", "s7": "6", "s8": "10"}),
)
NEW_REFERRAL = ("s1", "Zara Khan", "+447700900301", "Interested in Year 10 Physics; free after 4 pm.")
ENROLLED_REFERRAL = ("p1", "Leo Park", "+447700900302", "Aarav's friend, Year 9.", "Year 9 Biology")


def seed_marks(db: Database, ids: dict[str, int], today: date) -> str:
    """One test with marks per demo batch and two referrals (one new, one enrolled and thanked)."""
    for teacher, batch_name, name, top, marks in TESTS:
        actor = Actor.web(ids[teacher], "127.0.0.1")
        batch_id = dict((n, i) for i, n in class_tests.batch_choices(db.uow(readonly=True), actor))[batch_name]
        test_id = class_tests.create_test(db.uow(), actor, batch_id, name, today - timedelta(days=7), top)
        sheet.save_sheet(db.uow(), actor, test_id, {ids[k]: (v, False) for k, v in marks.items()})
    key, name, phone, note = NEW_REFERRAL
    referrals.refer(db.uow(), Actor.telegram(ids[key]), name=name, phone=phone, note=note)
    key, name, phone, note, batch_name = ENROLLED_REFERRAL
    referral_id = referrals.refer(db.uow(), Actor.telegram(ids[key]), name=name, phone=phone, note=note)
    admin = Actor.web(ids["admin"], "127.0.0.1")
    person_id = referrals.invite(db.uow(), admin, referral_id)
    batch_id = dict((n, i) for i, n in class_tests.batch_choices(db.uow(readonly=True), admin))[batch_name]
    batches.enrol(db.uow(), admin, batch_id, person_id, today + timedelta(days=1))
    return f"{len(TESTS)} tests with marks, 2 referrals"
