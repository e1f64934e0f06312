"""The sandbox's chat page in Chromium: pick a person, share the phone, be linked by the real bot."""

from __future__ import annotations

import pytest

from domain.actors import Actor
from domain.clock import SystemClock
from domain.models import Person, PersonStatus
from domain.people import services as people
from tests.auxil import databases
from tests.auxil.console import BROWSER_ARGS, CHROMIUM
from tests.auxil.paths import artefacts_or
from tests.auxil.telegram import start_bot

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

pytestmark = pytest.mark.asyncio(loop_scope="module")
ARGS = [*BROWSER_ARGS, "--disable-quic"]


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    """A database of this module's own: the bot runs across its tests."""
    yield from databases.module_database(tmp_path_factory.mktemp("chatpage"), sqlite_template, SystemClock())


# Its own Chromium, not the session's `browser` (tests/web/conftest.py): the real bot answers in
# this module's asyncio loop while the page is driven, and the sync Playwright API cannot run inside
# a running asyncio loop (it refuses to start there, and between calls it marks its own loop as the
# running one). So this one test drives Chromium with the async API.
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


async def test_block_and_unblock_in_the_chat_page_leave_the_bot_working_for_everyone(sandbox, client, db, page):
    """The unblock's my_chat_member update once failed PTB's parsing and wedged polling for everyone."""
    omar = people.add_person(db.uow(), Actor.system(), name="Omar Blocker", phone="+447700900331",
                             role="parent").person
    zoe = people.add_person(db.uow(), Actor.system(), name="Zoe Bystander", phone="+447700900332",
                            role="student").person
    hint = "Parent. Try /absent, or block the bot and unblock it again."
    omar_user = await client.create_user("Omar", phone=omar.phone, hint=hint)
    zoe_user = await client.create_user("Zoe", phone=zoe.phone)
    for person, user in ((omar, omar_user), (zoe, zoe_user)):
        people.link_telegram(db.uow(), phone=person.phone, telegram_user_id=user["id"], chat_id=user["id"])
    bot = await start_bot(db, sandbox.url)
    try:
        await page.goto(f"{sandbox.url}/chat")
        await page.get_by_role("button", name="Omar").click()
        await page.locator("#chat-hint").get_by_text(hint).wait_for(timeout=10_000)  # the role and what to try
        assert await page.locator(".user .user-hint").filter(has_text=hint).count() == 1
        toggle = page.locator("#block-toggle")
        await toggle.click()
        await page.get_by_role("button", name="Unblock bot").wait_for(timeout=10_000)
        await toggle.click()
        await page.get_by_role("button", name="Block bot").wait_for(timeout=10_000)
        assert not (await client.user(omar_user["id"]))["blocked"]
        for user in (omar_user, zoe_user):
            last = max((m["message_id"] for m in await client.messages(user["id"])), default=0)
            await page.get_by_role("button", name=user["first_name"]).click()
            await page.locator("#text").fill("/help")
            await page.locator("#send").click()
            answer = await client.wait_for_bot_message(user["id"], after_message_id=last, timeout=10)
            assert "/help" in answer["text"], answer
            await page.locator(".bubble.from-bot").last.wait_for(timeout=10_000)
    finally:
        await bot.stop()
