"""The console's Fees over HTTP on both databases: an admin adds a plan, issues dues, sees the fee card on
the console's first page, records a partial payment on the student's page (the parents get a receipt),
exports dues and payments as CSV; a teacher is refused."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import FeeDue, Notification, Role
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps
from tests.factories import physics_class


async def test_plan_dues_payment_and_csv(db, make_person):
    klass = physics_class(db, make_person, ["Amir Khan", "Bea Bose"])
    admin = make_person(Role.ADMIN, "Ada Admin")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/fees")
        assert page.status_code == 200 and ">Fees</a>" in page.text and "No plans yet." in page.text
        token = csrf_in(page.text)
        r = await http.post("/admin/fees/plans", data={
            "csrf": token, "batch_id": str(klass["batch"].id), "name": "Tuition", "amount": "1,500", "due_day": "10",
            "join_rule": "full", "starts_on": "2026-10-01", "payment_link": "https://pay.example/{ref}?amt={amount}"})
        assert (r.status_code, r.headers["location"]) == (303, "/admin/fees?m=plan")
        r = await http.post("/admin/fees/issue", data={"csrf": token})
        assert r.headers["location"] == "/admin/fees?m=issued&n=4"
        page = await http.get("/admin/fees?status=overdue")
        assert 'id="dues-count">2 dues · unpaid ₹3,000' in page.text
        first = await http.get("/admin/tasks")
        assert 'id="fee-card"' in first.text and "₹3,000</strong> overdue" in first.text

        amir = klass["students"][0]
        account = await http.get(f"/admin/fees/students/{amir.id}")
        assert account.status_code == 200 and 'id="family-balance">₹6,000' in account.text  # Parent 1: both
        with db.uow(readonly=True) as uow:
            october = uow.session.scalar(select(FeeDue.id).where(FeeDue.student_id == amir.id,
                                                                 FeeDue.period == "2026-10"))
        r = await http.post("/admin/fees/payments", data={
            "csrf": token, "due_id": str(october), "kind": "payment", "amount": "1000", "paid_on": "2026-11-02",
            "method": "upi", "reference": "UPI-1234"})
        assert (r.status_code, r.headers["location"]) == (303, f"/admin/fees/students/{amir.id}?m=paid")
        account = await http.get(r.headers["location"])
        assert 'id="balance">₹2,000' in account.text and "UPI-1234" in account.text
        too_much = await http.post("/admin/fees/payments", data={
            "csrf": token, "due_id": str(october), "kind": "payment", "amount": "900", "method": "cash"})
        assert too_much.status_code == 422 and "Only ₹500 is still due" in too_much.text

        dues = await http.get("/admin/fees/dues.csv?status=overdue")
        assert dues.headers["content-type"].startswith("text/csv")
        lines = dues.text.splitlines()
        assert lines[0].startswith("ref,student,batch,fee,period,due_on,currency,amount,paid,balance,status")
        assert any(line.startswith(f"FEE-{october},Amir Khan,Physics 10,") and ",INR,1500.00,1000.00,500.00,overdue,"
                   in line for line in lines)
        pays = await http.get("/admin/fees/payments.csv")
        assert "UPI-1234" in pays.text and ",INR,1000.00,upi," in pays.text
    with db.uow(readonly=True) as uow:
        receipts = list(uow.session.scalars(select(Notification.recipient_id).where(Notification.kind == "fee_receipt")))
    assert sorted(receipts) == sorted(p.id for p in klass["parents"])

    async with client(make_deps(db)) as http:
        await sign_in(http, db, klass["teacher"])
        refused = await http.get("/admin/fees")
        assert refused.status_code == 403 and "Only admin can do this." in refused.text
