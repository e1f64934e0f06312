"""In Chromium: a teacher opens the Risk page of her batch, reads a student's breakdown and the parents'
message, marks the student reviewed; the roster shows the risk badge."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from domain.risk import engine
from tests.auxil.paths import artefacts_or
from tests.domain.risk.world import SYSTEM, build_school

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
ARTEFACTS = artefacts_or(Path(tempfile.gettempdir()) / "taskbell-artefacts")


def test_a_teacher_reads_risk_and_marks_a_student_reviewed(db, make_person, served, as_person, clock):
    school = build_school(db, make_person, clock)
    engine.recompute(db.uow(), SYSTEM)
    base, _deps = served
    amir = school["students"][0]
    page = as_person(school["teacher"])
    page.goto(f"{base}/admin/batches/{school['batch'].id}")
    expect(page.locator(f"#student-{amir.id} .risk-high")).to_have_text("risk: high")
    page.locator("#risk-link").click()
    expect(page.locator("#advisory")).to_contain_text("Risk is advisory, not disciplinary.")
    expect(page.locator("#risk tbody tr").first).to_contain_text("attendance 0% over the last 3 classes")
    ARTEFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTEFACTS / "risk.png"), full_page=True)
    page.locator(f"#risk-{amir.id} a").click()
    expect(page.locator("#factor-homework")).to_contain_text("left out")
    expect(page.locator("#parent-note")).to_contain_text("not a complaint or a disciplinary matter")
    page.fill("#actions textarea[name=note]", "Spoke to Amir after class")
    page.get_by_role("button", name="Mark reviewed").click()
    expect(page.locator(".flash")).to_have_text("Marked as reviewed.")
    expect(page.locator("#review")).to_contain_text("reviewed — Spoke to Amir after class")
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
