"""The dashboard in Chromium against the real app served by uvicorn."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest

from domain.actors import Actor
from domain.models import Priority, Role, Task, TaskStatus
from domain.tasks import services as tasks
from tests.auxil.console import new_page
from tests.factories import assign_one as assign

SCREENSHOT = Path(os.environ.get("TASKBELL_SCREENSHOT", "/tmp/taskbell-dashboard.png"))

expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def page(browser):
    """A phone-sized page in the session's Chromium."""
    page = new_page(browser, 420, 900)
    yield page
    page.context.close()


def link(served, person_id):
    base, deps = served
    return f"{base}/d/{deps.links.dashboard_token(person_id, deps.db.clock.now())}"


def test_complete_from_the_page_and_see_it_done(db, make_person, clock, served, page):
    admin = make_person(Role.ADMIN, "Ada Admin")
    me = make_person(Role.STUDENT, "Sam Student")
    essay = assign(db, admin, me, "Write the essay on rivers", due_at=clock.now() + timedelta(hours=1),
                   description="Two pages, with a map.")
    quiz = assign(db, admin, me, "Prepare for the quiz", due_at=clock.now() + timedelta(days=2),
                  priority=Priority.HIGH)
    assign(db, admin, me, "Tidy the lab", priority=Priority.URGENT)
    done_earlier = assign(db, admin, me, "Read chapter 2", due_at=clock.now() + timedelta(hours=3))
    tasks.start_task(db.uow(), Actor.telegram(me.id), done_earlier)
    clock.advance(minutes=75)
    tasks.complete_task(db.uow(), Actor.telegram(me.id), done_earlier)  # on time, 75 min
    clock.advance(minutes=10)  # the essay is now overdue

    page.goto(link(served, me.id))
    expect(page.locator(".who")).to_have_text("Sam Student")
    expect(page.locator(f"#task-{essay}")).to_have_class("task overdue")
    page.locator(f"#task-{quiz}").get_by_role("button", name="Start").click()
    expect(page.locator(".flash")).to_have_text("Started. Good luck!")
    expect(page.locator(f"#task-{quiz}")).to_have_attribute("data-status", "in_progress")
    page.screenshot(path=str(SCREENSHOT), full_page=True)

    page.locator(f"#task-{essay}").get_by_role("button", name="Complete").click()
    expect(page.locator(".flash")).to_have_text("Done. Well done!")
    expect(page.locator(f".finished #task-{essay}")).to_have_attribute("data-status", "done")
    expect(page.locator("#completed-count")).to_have_text("2")
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Task, essay).status == TaskStatus.DONE
        assert uow.session.get(Task, quiz).status == TaskStatus.IN_PROGRESS
    assert page.console_errors == []  # no CSP violations, no script errors


def test_a_change_in_telegram_shows_without_reloading(db, make_person, served, page):
    admin = make_person(Role.ADMIN)
    me = make_person(Role.STUDENT)
    task_id = assign(db, admin, me, "Water the plants")
    page.goto(link(served, me.id))
    expect(page.locator(f"#task-{task_id}")).to_have_attribute("data-status", "pending")
    page.evaluate("window.__same_document = true")
    tasks.complete_task(db.uow(), Actor.telegram(me.id), task_id)
    expect(page.locator(f".finished #task-{task_id}")).to_have_attribute("data-status", "done",
                                                                          timeout=10_000)
    new_id = assign(db, admin, me, "Feed the fish")
    expect(page.locator(f"#task-{new_id}")).to_be_visible(timeout=10_000)
    assert page.evaluate("window.__same_document") is True  # redrawn in place, not reloaded
    assert page.console_errors == []


def test_tampered_and_expired_links_show_the_refusal_page(db, make_person, clock, served, page):
    me = make_person(Role.STUDENT)
    good = link(served, me.id)
    response = page.goto(good[:-3] + ("xyz" if not good.endswith("xyz") else "abc"))
    assert response.status == 403
    expect(page.locator("h1")).to_have_text("This link cannot be used")
    clock.advance(days=8)
    response = page.goto(good)
    assert response.status == 410
    expect(page.locator("h1")).to_have_text("This link has expired")
    expect(page.locator(".refusal")).to_contain_text("ask the bot for a new one")
