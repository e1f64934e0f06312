"""The console's Settings page (admins) and reopening a class: over HTTP on both databases, and the
Settings page once in Chromium (a bad value is refused next to its field, then a good one saved)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.attendance import pipeline, schedule
from domain.models import AuditEntry, Batch, ClassSession, Notification, Role, SessionStatus
from domain.rules import get_rule
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.databases import count
from tests.auxil.web import client, make_deps
from tests.factories import physics_class

TZ = "Europe/London"
MISSED_DAY = date(2026, 10, 26)


@pytest.fixture
def school(db, make_person, clock):
    """Ada (admin); Physics 10 with Tina Teacher; its class on Mon 26 Oct was missed. Now Mon 2 Nov 09:00."""
    klass = physics_class(db, make_person, ["Amir", "Bea"])
    klass["admin"] = make_person(Role.ADMIN, "Ada Admin")
    schedule.ensure_sessions(db.uow(), MISSED_DAY, MISSED_DAY, TZ)
    now = clock.now()
    clock.set(datetime(2026, 10, 26, 18, 0, tzinfo=UTC))
    assert pipeline.auto_close(db.uow(), TZ) == {"closed": 0, "missed": 1}
    clock.set(now)
    with db.uow(readonly=True) as uow:
        klass["missed"] = uow.session.scalar(select(ClassSession.id))
    return klass


def status_of(db, session_id: int) -> SessionStatus:
    with db.uow(readonly=True) as uow:
        return uow.session.get(ClassSession, session_id).status


async def test_an_admin_changes_checks_and_resets_rules(db, school):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["admin"])
        page = await http.get("/admin/settings")
        assert page.status_code == 200 and ">Settings</a>" in page.text
        assert 'id="f-attendance-low_min_sessions"' in page.text and "links.action_minutes" not in page.text
        token = csrf_in(page.text)
        r = await http.post("/admin/settings", data={"attendance.low_threshold_percent": "60"})
        assert r.status_code == 403 and get_rule(db.uow(), "attendance.low_threshold_percent") == 75

        r = await http.post("/admin/settings", data={"csrf": token, "attendance.low_threshold_percent": "150",
                                                     "brief.time": "08:15"})
        assert r.status_code == 422
        assert 'id="error-attendance-low_threshold_percent"' in r.text
        assert "Enter a whole number from 1 to 100%." in r.text and 'value="150"' in r.text
        assert get_rule(db.uow(), "brief.time") == "07:30"  # nothing was saved

        r = await http.post("/admin/settings", data={"csrf": token, "attendance.low_threshold_percent": "60",
                                                     "brief.time": "08:15"})
        assert (r.status_code, r.headers["location"]) == (303, "/admin/settings?m=saved")
        assert get_rule(db.uow(), "attendance.low_threshold_percent") == 60
        page = await http.get(r.headers["location"])
        assert "Settings saved." in page.text and 'id="reset-brief-time"' in page.text
        assert count(db, AuditEntry, AuditEntry.action == "settings.change") == 2

        r = await http.post("/admin/settings", data={"csrf": token, "reset": "brief.time",
                                                     "brief.time": "09:00"})
        assert r.headers["location"] == "/admin/settings?m=reset"
        assert get_rule(db.uow(), "brief.time") == "07:30"


async def test_a_batch_sets_its_own_values_and_its_grace_is_the_batch_column(db, school):
    batch_id = school["batch"].id
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["admin"])
        page = await http.get(f"/admin/settings?batch_id={batch_id}")
        assert "Settings · Physics 10" in page.text and "brief.time" not in page.text
        r = await http.post("/admin/settings", data={"csrf": csrf_in(page.text), "batch_id": str(batch_id),
                                                     "attendance.grace_minutes": "25",
                                                     "attendance.default_mark": "absent"})
        assert r.headers["location"] == f"/admin/settings?batch_id={batch_id}&m=saved"
        assert get_rule(db.uow(), "attendance.default_mark", f"batch:{batch_id}") == "absent"
        assert get_rule(db.uow(), "attendance.default_mark") == "present"
        with db.uow(readonly=True) as uow:
            assert uow.session.get(Batch, batch_id).grace_minutes == 25
        assert (await http.get("/admin/settings?batch_id=9999")).status_code == 404


async def test_settings_are_for_admins_only(db, school):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["teacher"])
        assert (await http.get("/admin/settings")).status_code == 403
        assert ">Settings</a>" not in (await http.get("/admin/classes")).text


async def test_an_admin_reopens_a_missed_class_and_the_teacher_gets_the_sheet(db, school):
    missed = school["missed"]
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["teacher"])
        page = await http.get(f"/admin/classes/{missed}")
        assert 'id="reopen"' not in page.text
        r = await http.post(f"/admin/classes/{missed}/reopen", data={"csrf": csrf_in(page.text),
                                                                     "reason": "I forgot"})
        assert r.status_code == 403 and status_of(db, missed) == SessionStatus.MISSED
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["admin"])
        listing = await http.get(f"/admin/classes?date={MISSED_DAY.isoformat()}")
        assert f'id="reopen-{missed}"' in listing.text
        page = await http.get(f"/admin/classes/{missed}")
        assert 'id="reopen"' in page.text and "Reopen class" in page.text
        r = await http.post(f"/admin/classes/{missed}/reopen", data={"csrf": csrf_in(page.text), "reason": " "})
        assert r.status_code == 422 and "Say why" in r.text
        r = await http.post(f"/admin/classes/{missed}/reopen", data={"csrf": csrf_in(page.text),
                                                                     "reason": "Tina was ill; taking it now"})
        assert (r.status_code, r.headers["location"]) == (303, f"/admin/classes/{missed}?m=reopened")
        page = await http.get(r.headers["location"])
        assert "Class reopened" in page.text and 'id="sheet-form"' in page.text
        again = await http.post(f"/admin/classes/{missed}/reopen", data={"csrf": csrf_in(page.text),
                                                                         "reason": "twice"})
        assert again.status_code == 409 and "can be reopened" in again.text
    assert status_of(db, missed) == SessionStatus.OPEN
    with db.uow(readonly=True) as uow:
        entry = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "attendance.reopen")).one()
        sheets = list(uow.session.scalars(select(Notification.recipient_id).where(
            Notification.kind == "attendance_sheet")))
    assert (entry.actor_id, entry.details["old"], entry.details["reason"]) == (
        school["admin"].id, "missed", "Tina was ill; taking it now")
    assert sheets == [school["teacher"].id]


def test_an_admin_sees_a_bad_value_refused_then_saves_a_rule_in_chromium(db, school, served, as_person):
    expect = pytest.importorskip("playwright.sync_api").expect
    base, _deps = served
    page = as_person(school["admin"])
    page.goto(f"{base}/admin/classes")
    page.get_by_role("link", name="Settings").click()
    field = page.get_by_label("Low attendance needs at least (classes)")
    expect(field).to_have_value("4")
    field.fill("0")
    page.get_by_role("button", name="Save settings").click()
    error = page.locator("#error-attendance-low_min_sessions")
    expect(error).to_have_text("Enter a whole number from 1 to 30 classes.")
    expect(page.locator("#rule-attendance-low_min_sessions")).to_have_class("setting has-error")
    expect(field).to_have_value("0")
    assert get_rule(db.uow(), "attendance.low_min_sessions") == 4
    field.fill("6")
    page.get_by_role("button", name="Save settings").click()
    expect(page.locator(".flash")).to_have_text("Settings saved.")
    expect(field).to_have_value("6")
    assert get_rule(db.uow(), "attendance.low_min_sessions") == 6
    page.get_by_role("button", name="Reset to default").click()
    expect(page.locator(".flash")).to_have_text("Back to the default.")
    expect(field).to_have_value("4")
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
