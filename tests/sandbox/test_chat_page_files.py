"""The chat page in Chromium: Attach sends a picture as a photo (or as a file), anything else as a
document, and several files at once as an album; what the bot sends shows as the picture or a link."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
import telegram
from PIL import Image

from tests.auxil.console import BROWSER_ARGS, CHROMIUM
from tests.auxil.paths import artefacts_or
from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

pytestmark = pytest.mark.asyncio(loop_scope="module")
TOKEN = "123456:ATTACH-test-token"


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox(TOKEN, per_chat_per_second=10_000, global_per_second=10_000)


@pytest.fixture(scope="module")
async def page(sandbox):
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=[*BROWSER_ARGS, "--disable-quic"])
        tab = await browser.new_page()
        yield tab
        await browser.close()


def jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (160, 120), (230, 120, 20)).save(out, "JPEG")
    return out.getvalue()


async def test_attach_sends_photos_and_documents_and_the_page_shows_what_the_bot_sends(sandbox, page, tmp_path):
    control = SandboxClient(sandbox.url)
    try:
        ann = await control.create_user("Ann")
        await page.goto(f"{sandbox.url}/chat?user={ann['id']}")
        await page.locator("#text").fill("the broken tap")
        await page.locator("#attach-file").set_input_files(
            files=[{"name": "tap.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        await page.locator("#messages img.photo").first.wait_for(timeout=10_000)
        await page.locator("#attach-file").set_input_files(
            files=[{"name": "quote.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4\n%%EOF\n"}])
        await page.locator("#messages a.document-link", has_text="quote.pdf").wait_for(timeout=10_000)
        await page.locator("#attach-file").set_input_files(files=[
            {"name": "left.jpg", "mimeType": "image/jpeg", "buffer": jpeg()},
            {"name": "right.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        await page.locator("#messages img.photo").nth(2).wait_for(timeout=10_000)
        await page.locator("#as-file").check()
        await page.locator("#attach-file").set_input_files(
            files=[{"name": "plan.jpg", "mimeType": "image/jpeg", "buffer": jpeg()}])
        await page.locator("#messages a.document-link", has_text="plan.jpg").wait_for(timeout=10_000)

        async with telegram.Bot(TOKEN, base_url=sandbox.bot_base_url,
                                base_file_url=sandbox.bot_base_file_url) as bot:
            photo, pdf, left, right, as_file = (u.message for u in await bot.get_updates())
            assert left.media_group_id and left.media_group_id == right.media_group_id
            assert photo.media_group_id is None and pdf.media_group_id is None
            assert photo.caption == "the broken tap" and (photo.photo[-1].width, photo.photo[-1].height) == (160, 120)
            assert bytes(await (await bot.get_file(photo.photo[-1].file_id)).download_as_bytearray()) == jpeg()
            assert (pdf.document.file_name, pdf.document.mime_type, pdf.photo) == ("quote.pdf", "application/pdf", ())
            assert (as_file.document.file_name, as_file.document.mime_type) == ("plan.jpg", "image/jpeg")
            await bot.send_photo(ann["id"], photo.photo[-1].file_id, caption="Is this the tap?")
        bot_photo = page.locator("#messages .from-bot img.photo")
        await bot_photo.wait_for(timeout=10_000)
        assert await bot_photo.evaluate("img => img.complete && img.naturalWidth") == 160
        await page.screenshot(path=str(artefacts_or(tmp_path) / "chat-page-files.png"))
    finally:
        await control.aclose()
