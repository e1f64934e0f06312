"""In Chromium: a teacher fills in a test's marks sheet; a mark over the maximum is shown beside its field
and nothing is saved; corrected, the sheet saves and the figures show the average and highest."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.actors import Actor
from domain.marks import class_tests
from tests.factories import physics_class

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_a_teacher_saves_the_marks_sheet(db, make_person, served, as_person, clock):
    clock.set(datetime(2026, 11, 12, 9, 0, tzinfo=UTC))
    base, _deps = served
    school = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown"])
    amir, bea = school["students"]
    test_id = class_tests.create_test(db.uow(), Actor.web(school["teacher"].id, None), school["batch"].id,
                                      "Unit test 1", "2026-11-10", "20")
    page = as_person(school["teacher"])
    page.goto(f"{base}/admin/marks")
    page.get_by_role("link", name="Unit test 1").click()
    page.fill(f"input[name=m_{amir.id}]", "25")
    page.check(f"input[name=ab_{bea.id}]")
    page.get_by_role("button", name="Save marks").click()
    expect(page.locator(f'.field-error[data-field="m_{amir.id}"]')).to_have_text(
        "25 is more than the maximum (20). Enter 0 to 20.")
    expect(page.locator(f"input[name=m_{amir.id}]")).to_have_value("25")
    expect(page.locator(f"input[name=ab_{bea.id}]")).to_be_checked()
    expect(page.locator("#stat-marked")).to_have_text("0 / 2")
    page.fill(f"input[name=m_{amir.id}]", "18")
    page.get_by_role("button", name="Save marks").click()
    expect(page.locator(".flash")).to_have_text("Saved: 2 marks changed.")
    expect(page.locator("#stat-marked")).to_have_text("1 / 2")
    expect(page.locator("#stat-average")).to_have_text("18")
    expect(page.locator("#stat-absent")).to_have_text("1")
    assert page.url.startswith(f"{base}/admin/marks/{test_id}")
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
