"""The email link pages in Chromium (real app served by uvicorn): confirm, act once, choose channels."""

from __future__ import annotations

from domain.actors import Actor
from domain.email_actions import SignedMailLinks
from domain.links import LinkSigner
from domain.mail import channels
from domain.models import Role
from tests.auxil.console import new_page
from tests.auxil.databases import task_status
from tests.auxil.web import KEYS
from tests.factories import assign_one


def test_a_phone_sized_browser_confirms_a_link_then_picks_email_for_briefs(browser, served, db, make_person):
    base, _deps = served
    boss, pat = make_person(Role.ADMIN, "Boss"), make_person(Role.PARENT, "Pat Parent")
    task = assign_one(db, boss, pat, "Sign the trip form")
    links = SignedMailLinks(LinkSigner(KEYS), base, db)
    page = new_page(browser, 390, 800)
    try:
        page.goto(links.action_url(pat.id, "complete", task))
        assert page.locator("h1").inner_text() == "Sign the trip form"
        assert task_status(db, task) == "pending"  # opening it changed nothing
        page.get_by_role("button", name="Mark it done").click()
        assert "Done. Well done!" in page.locator("#action-outcome").inner_text()
        assert task_status(db, task) == "done"
        page.go_back()
        page.reload()  # the link again: nothing left to do, no button
        assert page.locator("#action-done").is_visible() and page.locator("form").count() == 0
        page.goto(links.settings_url(pat.id))
        page.get_by_label("Morning briefs: both").check()
        page.get_by_role("button", name="Save").click()
        assert "Saved." in page.locator("#flash").inner_text()
        assert channels.channel_choices(db.uow(readonly=True), Actor.system(), pat.id).chosen["briefs"] == "both"
        assert page.console_errors == []
    finally:
        page.context.close()
