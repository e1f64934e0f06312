"""The chat page's Mailbox tab in Chromium: an email sent to the sandbox's SMTP server is listed and shown,
its headers, its text with clickable links, and its HTML in a sandboxed frame whose scripts do not run."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest

from tests.auxil.console import BROWSER_ARGS, CHROMIUM
from tests.auxil.paths import artefacts_or
from tgsandbox.server import SandboxServer

if not CHROMIUM.exists():
    pytest.skip("Debian chromium is not installed at /usr/bin/chromium", allow_module_level=True)

pytestmark = pytest.mark.asyncio(loop_scope="module")
LINK = "http://127.0.0.1:8000/e/sig-123"


@pytest.fixture(scope="module")
def mailserver(tmp_path_factory):
    with SandboxServer("123456:SANDBOX-page", smtp_port=0,
                       storage=tmp_path_factory.mktemp("mailpage") / "sandbox.jsonl") as server:
        yield server


@pytest.fixture(scope="module")
async def page():
    from playwright.async_api import async_playwright

    async with async_playwright() as pw:
        browser = await pw.chromium.launch(executable_path=str(CHROMIUM), args=[*BROWSER_ARGS, "--disable-quic"])
        tab = await browser.new_page(viewport={"width": 1200, "height": 900})
        yield tab
        await browser.close()


def task_email() -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Taskbell <taskbell@sandbox.test>"
    m["To"] = "Deniz Kaya <deniz.kaya@example.org>"
    m["Subject"] = "Emre was absent from Year 10 Physics"
    m["Message-ID"] = "<absence.7@taskbell.test>"
    m["In-Reply-To"] = "<ticket.3@taskbell.test>"
    m["List-Unsubscribe"] = "<http://127.0.0.1:8000/channels/sig-9>"
    m.set_content(f"Emre was marked absent today.\nSee it: {LINK}\n")
    m.add_alternative(f'<p id="body">Emre was marked <b>absent</b>. <a id="see" href="{LINK}">See it</a></p>'
                      '<script>document.getElementById("body").textContent = "SCRIPT RAN";</script>',
                      subtype="html")
    return m


async def test_the_mailbox_tab_shows_an_email_sent_to_the_sandbox(mailserver, page, tmp_path):
    await page.goto(f"{mailserver.url}/chat")
    await page.locator("#tab-mailbox").click()
    await page.get_by_text("No emails yet").wait_for(timeout=5_000)
    await aiosmtplib.send(task_email(), hostname="127.0.0.1", port=mailserver.smtp.port)

    item = page.locator(".mail-item", has_text="Emre was absent from Year 10 Physics")
    await item.wait_for(timeout=10_000)  # the tab polls: no reload needed
    assert "deniz.kaya@example.org" in await item.inner_text()
    assert await page.locator("#mail-count").inner_text() == " (1)"
    await item.click()

    headers = page.locator(".mail-headers")
    await headers.wait_for()
    text = await headers.inner_text()
    for expected in ("<absence.7@taskbell.test>", "<ticket.3@taskbell.test>",
                     "http://127.0.0.1:8000/channels/sig-9", "RCPT TO deniz.kaya@example.org"):
        assert expected in text
    link = page.locator(".mail-text a.mail-link")
    assert await link.get_attribute("href") == LINK and await link.get_attribute("target") == "_blank"

    frame_element = page.locator("iframe.mail-html")
    assert await frame_element.get_attribute("sandbox") == "allow-popups allow-popups-to-escape-sandbox"
    frame = page.frame_locator("iframe.mail-html")
    await frame.locator("#see").wait_for(timeout=5_000)
    assert await frame.locator("#body").inner_text() == "Emre was marked absent. See it"  # no script ran
    assert await frame.locator("#see").get_attribute("href") == LINK
    await page.screenshot(path=str(artefacts_or(tmp_path) / "sandbox-mailbox.png"))

    await page.goto(f"{mailserver.url}/chat#mailbox")  # the tab is linkable
    assert await page.locator("#mailbox").is_visible() and not await page.locator("main.chat").is_visible()
    await page.locator("#tab-chat").click()
    assert await page.locator("main.chat").is_visible()
    await page.locator("#tab-mailbox").click()
    await page.locator("#mail-clear").click()
    await page.get_by_text("No emails yet").wait_for(timeout=5_000)
    assert mailserver.state.mailbox.emails == []
