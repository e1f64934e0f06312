"""The alerts page in Chromium (the real app served by uvicorn): the unread badge, dismiss, the rules page."""

from __future__ import annotations

import pytest

from domain.models import Priority
from tests.auxil.paths import artefacts_or

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_a_lead_reads_and_dismisses_alerts_an_admin_edits_a_rule(db, world, served, as_person, tmp_path):
    base, _deps = served
    shots = artefacts_or(tmp_path)
    world.file(title="Gas smell in the kitchen", priority=Priority.URGENT)
    world.file(title="Flooded basement", priority=Priority.URGENT)
    page = as_person(world.lead)
    page.goto(f"{base}/admin/tickets")
    expect(page.locator("#alerts-unread")).to_have_text("2")
    page.locator("nav a[href='/admin/alerts']").click()
    expect(page.locator("#alerts li.task")).to_have_count(2)
    page.screenshot(path=str(shots / "alerts.png"), full_page=True)
    page.locator("#alerts li.task").first.get_by_role("button", name="Dismiss").click()
    expect(page.locator(".flash")).to_have_text("Dismissed.")
    expect(page.locator("#alerts li.task")).to_have_count(1)
    expect(page.locator("#alerts-unread")).to_have_text("1")
    page.locator("#alerts li.task").first.get_by_role("button", name="Mark read").click()
    expect(page.locator("#alerts-unread")).to_have_count(0)
    admin = as_person(world.admin)
    admin.goto(f"{base}/admin/alert-rules")
    admin.locator("#rule-sla_breach select[name=severity]").select_option("warning")
    admin.locator("#rule-sla_breach").get_by_role("button", name="Save").click()
    expect(admin.locator(".flash")).to_have_text("Rule saved.")
    expect(admin.locator("#rule-sla_breach select[name=severity]")).to_have_value("warning")
    admin.screenshot(path=str(shots / "alert-rules.png"), full_page=True)
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
