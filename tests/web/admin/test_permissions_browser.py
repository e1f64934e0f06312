"""The Permissions page in Chromium: an admin revokes another admin's pii.full; that admin then sees
masked phones on the People page."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest

from domain.models import Role

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect
SHOTS = Path(tempfile.gettempdir()) / "taskbell-artefacts"


def test_revoke_full_access_then_see_masked_phones(db, make_person, served, as_person):
    base, _deps = served
    ada, bea = make_person(Role.ADMIN, "Ada Admin"), make_person(Role.ADMIN, "Bea Boss")
    sam = make_person(Role.STUDENT, "Sam Student")
    page = as_person(ada)
    page.goto(f"{base}/admin/people")
    page.locator(f"#perms-{bea.id}").click()
    row = page.locator("#perm-pii-full")
    expect(row).to_have_attribute("data-held", "yes")
    row.get_by_role("button", name="Revoke").click()
    expect(page.locator("p.flash")).to_have_count(1)
    expect(page.locator("p.flash")).to_contain_text("Permission changed")
    expect(page.locator("#perm-pii-full")).to_have_attribute("data-held", "no")
    expect(page.locator("#perm-pii-full")).to_contain_text("revoked for this person")
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / "permissions.png"), full_page=True)

    other = as_person(bea)
    other.goto(f"{base}/admin/people")
    sam_row = other.locator(f"#person-{sam.id}")
    expect(sam_row).to_contain_text("Sam S.")
    expect(sam_row).to_contain_text("77****" + sam.phone[-4:])
    expect(sam_row).not_to_contain_text(sam.phone)
