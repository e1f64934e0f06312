"""The console's Delivery page over HTTP: rows with reason and recipient, Retry and Retry all, admins only."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain import outbox
from domain.models import Notification, NotificationStatus, Role
from domain.outbox import Intent, NotificationKind, enqueue
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps


def failures(db, make_person):
    """A student whose task message was refused (dead) and a parent who never linked Telegram."""
    student, parent = make_person(Role.STUDENT, "Sam <Student>"), make_person(Role.PARENT, "Pat Parent", active=False)
    with db.uow() as uow:
        enqueue(uow.session, [Intent(NotificationKind.TASK_ASSIGNED, student.id, "t:1", {}),
                              Intent(NotificationKind.ABSENCE, parent.id, "a:1", {})], uow.now)
        uow.commit()
    got = {d.recipient_id: d for d in outbox.claim_due(db.uow())}
    outbox.mark_dead(db.uow(), got[student.id].id, "Bad Request: message is too long")
    outbox.mark_unreachable(db.uow(), got[parent.id], "recipient has no reachable chat")
    return {p.id: got[p.id].id for p in (student, parent)}, student, parent


def status_of(db, notification_id):
    with db.uow(readonly=True) as uow:
        return uow.session.get(Notification, notification_id).status


async def test_admins_see_why_and_retry_one_then_all(db, make_person):
    ids, student, parent = failures(db, make_person)
    admin = make_person(Role.ADMIN, "Ada Admin")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        page = await http.get("/admin/delivery")
        assert page.status_code == 200
        assert 'href="/admin/delivery"' in page.text  # in the navigation
        row = re.search(rf'<tr id="notification-{ids[student.id]}" data-state="dead".*?</tr>', page.text, re.S)
        assert row and "Sam &lt;Student&gt;" in row[0] and "(student)" in row[0] and "new task" in row[0]
        assert "message is too long" in row[0] and f"/admin/delivery/{ids[student.id]}/retry" in row[0]
        row = re.search(rf'<tr id="notification-{ids[parent.id]}" data-state="unreachable".*?</tr>', page.text, re.S)
        assert row and "Pat Parent" in row[0] and "(parent)" in row[0] and "absence message" in row[0]
        assert "Never linked Telegram" in row[0]
        assert "0 failing · 1 dead · 1 unreachable" in page.text
        token = csrf_in(page.text)
        r = await http.post(f"/admin/delivery/{ids[student.id]}/retry", data={"csrf": token})
        assert r.status_code == 303 and r.headers["location"] == "/admin/delivery?m=retried"
        assert status_of(db, ids[student.id]) == NotificationStatus.PENDING
        page = await http.get(r.headers["location"])
        assert "Sent back to the outbox" in page.text and f"notification-{ids[student.id]}" not in page.text
        r = await http.post(f"/admin/delivery/{ids[student.id]}/retry", data={"csrf": token})
        assert r.status_code == 404 and "not waiting for a retry" in r.text
        r = await http.post("/admin/delivery/retry", data={"csrf": token})
        assert r.headers["location"] == "/admin/delivery?m=retried_all&n=1"
        assert status_of(db, ids[parent.id]) == NotificationStatus.PENDING
        page = await http.get(r.headers["location"])
        assert "1 notification sent back to the outbox." in page.text
        assert "Every notification was delivered." in page.text
        r = await http.post("/admin/delivery/retry", data={"csrf": token})
        assert "Nothing to retry." in (await http.get(r.headers["location"])).text


async def test_others_are_refused_and_nothing_changes(db, make_person):
    ids, _student, _parent = failures(db, make_person)
    teacher = make_person(Role.TEACHER)
    async with client(make_deps(db)) as http:
        await sign_in(http, db, teacher)
        r = await http.get("/admin/delivery")
        assert r.status_code == 403 and "administrators only" in r.text
        token = csrf_in((await http.get("/admin/inbox")).text)
        assert 'href="/admin/delivery"' not in (await http.get("/admin/inbox")).text
        for path in ("/admin/delivery/retry", f"/admin/delivery/{next(iter(ids.values()))}/retry"):
            assert (await http.post(path, data={"csrf": token})).status_code == 403
    with db.uow(readonly=True) as uow:
        assert set(uow.session.scalars(select(Notification.status).where(Notification.id.in_(ids.values())))) == {
            NotificationStatus.DEAD, NotificationStatus.UNREACHABLE}
    async with client(make_deps(db)) as http:  # not signed in: to the sign-in page
        r = await http.get("/admin/delivery")
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=%2Fadmin%2Fdelivery")


def test_retry_in_chromium_on_a_phone_sized_screen(db, make_person, served, as_person):
    from playwright.sync_api import expect

    base, _deps = served
    ids, _student, parent = failures(db, make_person)
    page = as_person(make_person(Role.ADMIN, "Ada Admin"), 420, 900)
    page.goto(f"{base}/admin/delivery")
    expect(page.locator("#deliveries tbody tr")).to_have_count(2)
    row = page.locator(f"#notification-{ids[parent.id]}")
    expect(row).to_contain_text("Never linked Telegram")
    row.get_by_role("button", name="Retry").click()
    expect(page.get_by_text("Sent back to the outbox")).to_be_visible()
    expect(page.locator("#deliveries tbody tr")).to_have_count(1)
    assert status_of(db, ids[parent.id]) == NotificationStatus.PENDING
    page.get_by_role("button", name="Retry all").click()
    expect(page.get_by_text("1 notification sent back to the outbox.")).to_be_visible()
    expect(page.locator("#deliveries")).to_contain_text("Every notification was delivered.")
    assert page.console_errors == []
