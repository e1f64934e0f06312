"""The sandbox's chat page in Chromium: pick a person, share the phone, be linked by the real bot."""

from __future__ import annotations

from pathlib import Path

import pytest

from domain.actors import Actor
from domain.clock import SystemClock
from domain.database import make_engine
from domain.models import Person, PersonStatus
from domain.people import services as people
from domain.uow import Database
from tests.auxil import databases
from tests.auxil.paths import artefacts_or
from tests.auxil.telegram import start_bot

CHROMIUM = Path("/usr/bin/chromium")
if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    path = tmp_path_factory.mktemp("chatpage") / "bot.db"
    database = Database.from_engine(make_engine(databases.sqlite_copy(sqlite_template, path)), SystemClock())
    yield database
    database.engine.dispose()


@pytest.fixture(scope="module")
async def page(sandbox):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        tab = await browser.new_page()
        yield tab
        await browser.close()


async def test_a_newcomer_links_by_sharing_their_phone_on_the_chat_page(sandbox, client, db, page, tmp_path):
    person = people.add_person(db.uow(), Actor.system(), name="Nina Newcomer", phone="+447700900321",
                               role="student").person
    user = await client.create_user("Nina", phone=person.phone)
    bot = await start_bot(db, sandbox.url)
    try:
        await page.goto(f"{sandbox.url}/chat")
        await page.get_by_role("button", name="Nina").click()
        await page.locator("#text").fill("/start")
        await page.locator("#send").click()
        share = page.locator("#reply-keyboard .share-contact")
        await share.wait_for(timeout=10_000)
        await share.click()
        await page.get_by_text("Hello Nina Newcomer, you are linked as student").wait_for(timeout=10_000)
        shots = artefacts_or(tmp_path)
        await page.screenshot(path=str(shots / "chat-page.png"))
    finally:
        await bot.stop()
    with db.uow(readonly=True) as uow:
        linked = uow.session.get(Person, person.id)
    assert linked.status == PersonStatus.ACTIVE and linked.telegram_user_id == user["id"]
