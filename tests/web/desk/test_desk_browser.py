"""A lead acts on a ticket from its page in Chromium (the real app served by uvicorn)."""

from __future__ import annotations

import pytest

from domain.models import TicketStatus
from domain.tickets import queries as ticket_queries

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_a_lead_accepts_notes_and_resolves_a_ticket_on_its_page(db, world, served, as_person):
    base, _deps = served
    tid = world.file(title="Leaking tap", description="Drips all night")
    page = as_person(world.lead)
    page.goto(f"{base}/admin/tickets?q=drips")
    expect(page.locator("#tickets tbody tr")).to_have_count(1)
    page.locator(f"#ticket-{tid} a").click()
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "new")
    page.select_option("#assign-form select[name=assignee_id]", [str(world.crew.id), str(world.crew2.id)])
    page.get_by_role("button", name="Accept").click()
    expect(page.locator(".flash")).to_have_text("Done.")
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "accepted")
    expect(page.locator("#assignees")).to_contain_text("Carl Crew, Cora Crew")
    page.fill("#comment-form textarea[name=text]", "Washer ordered")
    page.check("#comment-form input[name=internal]")
    page.get_by_role("button", name="Add comment").click()
    expect(page.locator("#timeline .event.internal")).to_contain_text("Washer ordered")
    page.fill("#resolve-form input[name=note]", "Fixed")
    page.get_by_role("button", name="Resolve").click()
    expect(page.locator("#ticket-status")).to_have_attribute("data-status", "resolved")
    expect(page.locator("#reopen-form")).to_be_visible()
    assert ticket_queries.get_ticket(db.uow(readonly=True), world.actor(world.admin), tid).status \
        == TicketStatus.RESOLVED
    assert [e for e in page.console_errors if "Failed to load resource" not in e] == []
