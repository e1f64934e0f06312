"""The chat page's hints: who a sandbox person is and what to try; shown on the page, never sent to the bot."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from tests.auxil.telegram import running_sandbox
from tgsandbox import SandboxClient, SandboxServer

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[SandboxServer]:
    yield from running_sandbox("123456:HINTS-test-token")


@pytest.fixture
async def control(sandbox: SandboxServer) -> AsyncIterator[SandboxClient]:
    client = SandboxClient(sandbox.url)
    await client.reset()
    yield client
    await client.aclose()


async def test_a_hint_is_shown_changed_and_never_reaches_the_bot(sandbox, control):
    ann = await control.create_user("Ann", phone="+447700900001", hint="Teacher <b>: send /attendance")
    assert ann["hint"] == "Teacher <b>: send /attendance"
    page = httpx.get(f"{sandbox.url}/chat").text
    assert '<span class="user-hint">Teacher &lt;b&gt;: send /attendance</span>' in page
    changed = await control.set_hint(ann["id"], "Parent: send /absent")
    assert changed["hint"] == "Parent: send /absent" and (await control.user(ann["id"]))["hint"] == changed["hint"]
    refused = httpx.patch(f"{sandbox.url}/sandbox/users/{ann['id']}", json={"phone": "+1"})
    assert refused.status_code == 400
    await control.send_text(ann["id"], "/start")
    assert all("hint" not in str(u) for u in await control.pending_updates())
