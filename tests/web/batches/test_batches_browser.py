"""In Chromium: an admin creates a batch with a weekly slot and enrols two students in the console."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from domain.models import Batch, Enrolment, Role

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_an_admin_creates_a_batch_with_a_slot_and_enrols_two_students(db, make_person, served, as_person, clock):
    clock.set(datetime(2026, 11, 2, 9, 0, tzinfo=UTC))  # Monday 09:00 London
    base, _deps = served
    admin = make_person(Role.ADMIN, "Ada Admin")
    make_person(Role.TEACHER, "Tess Teacher")
    amir = make_person(Role.STUDENT, "Amir Ahmed")
    bea = make_person(Role.STUDENT, "Bea Brown")
    page = as_person(admin)
    page.goto(f"{base}/admin/batches")
    page.locator("#new-batch summary").click()
    page.fill("#new-batch input[name=name]", "Physics 10")
    page.fill("#new-batch input[name=subject]", "Physics")
    page.locator("#new-batch label", has_text="Tess Teacher").locator("input").check()
    page.get_by_role("button", name="Create batch").click()
    expect(page.locator(".flash")).to_have_text("Batch created.")
    expect(page.locator("h1")).to_contain_text("Physics 10")

    page.select_option("#add-slot select[name=weekday]", "0")
    page.fill("#add-slot input[name=start]", "25:00")
    page.get_by_role("button", name="Add class time").click()
    expect(page.locator('#add-slot .field-error[data-field="start"]')).to_contain_text("HH:MM")
    page.fill("#add-slot input[name=start]", "16:00")
    page.fill("#add-slot input[name=duration_minutes]", "60")
    page.get_by_role("button", name="Add class time").click()
    expect(page.locator(".flash")).to_have_text("Class time added.")
    expect(page.locator("#next-classes li").first).to_contain_text("Mon 2 Nov, 16:00–17:00")

    for student in (amir, bea):
        page.select_option("#enrol select[name=student_id]", str(student.id))
        page.get_by_role("button", name="Enrol", exact=True).click()
        expect(page.locator(".flash")).to_have_text("Student enrolled.")
    expect(page.locator("#roster h2")).to_have_text("Students (2)")
    expect(page.locator("#roster tbody")).to_contain_text("Amir Ahmed")
    expect(page.locator("#roster tbody")).to_contain_text("Bea Brown")
    page.goto(f"{base}/admin/batches")
    expect(page.locator("#batches tbody tr").first).to_contain_text("Tess Teacher")
    with db.uow(readonly=True) as uow:
        batch_id = uow.session.scalars(select(Batch.id).where(Batch.name == "Physics 10")).one()
        enrolled = set(uow.session.scalars(select(Enrolment.student_id).where(Enrolment.batch_id == batch_id)))
    assert enrolled == {amir.id, bea.id}
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
