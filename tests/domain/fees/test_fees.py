"""Fees: dues issued once per student and month, a mid-month join by the plan's rule, partial payments
and refunds, a family's balance, reminder stages sent once each and stopped by payment, permissions,
and money written in the organisation's currency."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches
from domain.errors import Forbidden, InvalidInput
from domain.fees import accounts, issue, payments, plans, queries, reminders, summary
from domain.fees.money import money_text, parse_amount
from domain.fees.periods import owed_for
from domain.models import FeeDue, JoinRule, Notification, NotificationStatus, Role
from domain.reminders import briefs
from tests.factories import physics_class

SYSTEM = Actor.system()


@pytest.fixture
def school(db, make_person):
    world = physics_class(db, make_person, ["Sam Student", "Sia Student"])
    world["admin"] = Actor.web(make_person(Role.ADMIN, "Ada Admin").id, "203.0.113.5")
    plan = plans.save_plan(db.uow(), world["admin"], plans.PlanForm(
        world["batch"].id, "Tuition", "1,500", 10, "pro_rata", date(2026, 10, 1)))
    world["plan"] = plan
    return world


def _dues(db, student_id):
    return queries.dues_for_student(db.uow(readonly=True), student_id, date(2026, 11, 2))


def _fee_notes(db, kind):
    with db.uow(readonly=True) as uow:
        return [(n.recipient_id, n.data) for n in uow.session.scalars(
            select(Notification).where(Notification.kind == kind).order_by(Notification.id))]


def test_money_is_minor_units_in_the_organisations_currency():
    assert money_text(150000, "INR") == "₹1,500" and money_text(15000000, "INR") == "₹1,50,000"
    assert money_text(150050, "INR") == "₹1,500.50" and money_text(1500, "GBP") == "£15.00"
    assert money_text(-50000, "INR") == "-₹500"
    assert parse_amount("1,500.50", "INR") == 150050 and parse_amount("₹1500", "INR") == 150000
    for bad in ("", "abc", "1.234", "0", "-5"):
        with pytest.raises(InvalidInput):
            parse_amount(bad, "GBP")
    # a November join on the 16th: 15 of 30 days
    assert owed_for("2026-11", 150000, JoinRule.PRO_RATA, date(2026, 11, 16)) == 75000
    assert owed_for("2026-11", 150000, JoinRule.NEXT_PERIOD, date(2026, 11, 16)) == 0
    assert owed_for("2026-11", 150000, JoinRule.FULL, date(2026, 11, 16)) == 150000


def test_dues_are_issued_once_per_student_and_month_and_a_mid_month_join_by_the_plan(db, school, make_person):
    assert issue.issue_due(db.uow(), date(2026, 11, 2)) == 4  # two students, October and November
    assert issue.issue_due(db.uow(), date(2026, 11, 2)) == 0  # running twice issues once
    late = make_person(Role.STUDENT, "Lou Late")
    batches.enrol(db.uow(), SYSTEM, school["batch"].id, late.id, date(2026, 11, 16))
    assert issue.issue_due(db.uow(), date(2026, 11, 20)) == 1
    [due] = queries.dues_for_student(db.uow(readonly=True), late.id, date(2026, 11, 20))
    assert (due.amount_text, due.period, due.due_on) == ("₹750", "2026-11", date(2026, 11, 16))
    sam = _dues(db, school["students"][0].id)
    assert [(d.period, d.amount_minor, d.status) for d in sam] == [("2026-11", 150000, "open"),
                                                                   ("2026-10", 150000, "overdue")]
    assert sam[1].days_overdue == 23 and sam[0].label == "Tuition · Physics 10 · November 2026"


def test_partial_payment_refund_balance_and_family_balance(db, school):
    issue.issue_due(db.uow(), date(2026, 11, 2))
    sam = school["students"][0]
    october = _dues(db, sam.id)[1]
    done = payments.record_payment(db.uow(), school["admin"], october.id, "1000", date(2026, 11, 2), "upi", "UPI-77")
    assert (done.amount_text, done.left_text, done.settled) == ("₹1,000", "₹500", False)
    with pytest.raises(InvalidInput, match="Only ₹500 is still due"):
        payments.record_payment(db.uow(), school["admin"], october.id, "600", date(2026, 11, 2), "cash")
    payments.record_payment(db.uow(), school["admin"], october.id, "500", date(2026, 11, 2), "cash")
    refund = payments.record_payment(db.uow(), school["admin"], october.id, "200", date(2026, 11, 2), "cash",
                                     refund=True)
    assert refund.left_text == "₹200" and not refund.settled
    status = queries.fee_status(db.uow(readonly=True), sam.id, date(2026, 11, 2))
    assert (status.overdue_minor, status.max_days_overdue, status.balance_minor) == (20000, 23, 170000)
    account = accounts.student_account(db.uow(readonly=True), school["admin"], sam.id)
    assert account.balance_text == "₹1,700" and [p.amount_minor for p in account.payments] == [-20000, 50000, 100000]
    # Parent 1 has both children: the family owes Sam's 1,700 and Sia's 3,000
    assert {m.name: m.balance_text for m in account.family} == {"Sam Student": "₹1,700", "Sia Student": "₹3,000"}
    assert account.family_balance_text == "₹4,700"
    receipts = _fee_notes(db, "fee_receipt")
    parents = {p.id for p in school["parents"]}
    assert {r for r, _ in receipts} == parents and len(receipts) == 6  # two parents, three payments
    assert receipts[0][1]["amount"] == "₹1,000" and receipts[0][1]["left"] == "₹500"
    parent1 = Actor.telegram(school["parents"][1].id)
    view = accounts.my_family_fees(db.uow(readonly=True), parent1)
    assert [c.name for c in view.children] == ["Sam Student", "Sia Student"] and view.family_balance_text == "₹4,700"
    only_sam = accounts.my_family_fees(db.uow(readonly=True), Actor.telegram(school["parents"][0].id))
    assert [c.name for c in only_sam.children] == ["Sam Student"]


def test_reminder_stages_go_once_each_and_stop_when_paid(db, school):
    issue.issue_due(db.uow(), date(2026, 10, 1))  # October only: due 10 Oct
    sam = school["students"][0]
    parents_of_sam = {p.id for p in school["parents"]}
    assert reminders.scan(db.uow(), date(2026, 10, 6)).reminded == 0  # 4 days before: not yet
    assert reminders.scan(db.uow(), date(2026, 10, 7)).reminded == 2  # 3 days before: both students
    assert reminders.scan(db.uow(), date(2026, 10, 8)).reminded == 0  # stage 1 once
    assert reminders.scan(db.uow(), date(2026, 10, 11)).reminded == 2  # stage 2: a day after
    assert reminders.scan(db.uow(), date(2026, 10, 12)).reminded == 0
    sam_notes = [d for r, d in _fee_notes(db, "fee_reminder") if d["child"] == "Sam Student"]
    assert [d["stage"] for d in sam_notes] == [1, 1, 2, 2] and {r for r, d in _fee_notes(db, "fee_reminder")
                                                                if d["child"] == "Sam Student"} == parents_of_sam
    october = _dues(db, sam.id)[0]
    payments.record_payment(db.uow(), school["admin"], october.id, "1500", date(2026, 10, 12), "cash")
    # day 21 and 31: only Sia is still reminded (stage 3 after 7 days... skipped to the newest reached)
    assert reminders.scan(db.uow(), date(2026, 10, 31)).reminded == 1
    sia_stages = [d["stage"] for _, d in _fee_notes(db, "fee_reminder") if d["child"] == "Sia Student"]
    assert sia_stages == [1, 2, 4]  # stage 3 passed unseen: only the newest stage reached is sent
    assert reminders.scan(db.uow(), date(2026, 11, 30)).reminded == 0  # the last stage was sent


def test_a_held_reminder_is_withdrawn_once_the_due_is_paid(db, school):
    issue.issue_due(db.uow(), date(2026, 10, 1))
    sam = school["students"][0]
    reminders.scan(db.uow(), date(2026, 10, 11))
    october = _dues(db, sam.id)[0]
    payments.record_payment(db.uow(), school["admin"], october.id, "1500", date(2026, 10, 12), "cash")
    with db.uow(readonly=True) as uow:
        statuses = {n.status for n in uow.session.scalars(select(Notification).where(
            Notification.kind == "fee_reminder", Notification.subject_id == october.id))}
    assert statuses == {NotificationStatus.DEAD}


def test_only_fees_managers_record_payments_or_see_accounts(db, school):
    issue.issue_due(db.uow(), date(2026, 11, 2))
    due = _dues(db, school["students"][0].id)[0]
    teacher = Actor.telegram(school["teacher"].id)
    with pytest.raises(Forbidden, match="Only admin"):
        payments.record_payment(db.uow(), teacher, due.id, "100", date(2026, 11, 2), "cash")
    with pytest.raises(Forbidden):
        accounts.student_account(db.uow(readonly=True), teacher, school["students"][0].id)
    with pytest.raises(Forbidden):
        plans.save_plan(db.uow(), teacher, plans.PlanForm(school["batch"].id, "X", "10", 5))
    assert summary.fee_card(db.uow(readonly=True), teacher) is None
    assert not summary.manages_fees(db.uow(readonly=True), teacher)
    assert summary.my_batches_month(db.uow(readonly=True), teacher) == ["Physics 10: 2 unpaid (₹3,000)"]


def test_one_off_fee_totals_and_briefs(db, school):
    issue.issue_due(db.uow(), date(2026, 11, 2))
    made = plans.add_one_off(db.uow(), school["admin"], "Exam fee", "250", date(2026, 11, 20), [],
                             batch_id=school["batch"].id)
    assert made == 2
    card = summary.fee_card(db.uow(readonly=True), school["admin"])
    assert (card.overdue_text, card.overdue_count, card.overdue_students) == ("₹3,000", 2, 2)
    assert card.due_this_month_text == "₹3,500"
    teacher_brief = briefs.compose(db.uow(), school["teacher"].id, "UTC")
    [section] = [s for s in teacher_brief.sections if s["title"] == "Fee dues this month"]
    assert section["items"] == ["Physics 10: 4 unpaid (₹3,500)"]
    admin_brief = briefs.compose(db.uow(), school["admin"].person_id, "UTC")
    [fees] = [s for s in admin_brief.sections if s["title"] == "Fees"]
    assert fees["items"] == ["Due this month: ₹3,500", "Collected this month: ₹0",
                             "Overdue: ₹3,000 (2 dues of 2 students): /fees"]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(FeeDue.id).where(FeeDue.issue_key.like("oneoff:%")).limit(1))
