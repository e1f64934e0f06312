"""The sandbox's SMTP server: it keeps what smtplib/aiosmtplib send, refuses when told, goes down and up,
and its mail survives a sandbox restart."""

from __future__ import annotations

import smtplib
from email.message import EmailMessage

import aiosmtplib
import pytest

from tgsandbox.client import SandboxClient, SandboxError
from tgsandbox.server import SandboxServer

TOKEN = "123456:SANDBOX-mail"


def message(to: str = "ann@example.org", subject: str = "Task: water the plants") -> EmailMessage:
    m = EmailMessage()
    m["From"] = "Taskbell <bell@example.org>"
    m["To"] = to
    m["Subject"] = subject
    m["Message-ID"] = "<t1.42@taskbell.test>"
    m["In-Reply-To"] = "<t1@taskbell.test>"
    m["List-Unsubscribe"] = "<http://127.0.0.1/settings/x>"
    m.set_content("Water the plants.\nhttp://127.0.0.1/e/abc\n")
    m.add_alternative('<p>Water the <b>plants</b>. <a href="http://127.0.0.1/e/abc">Done</a></p>', subtype="html")
    return m


@pytest.fixture
def mailserver(tmp_path):
    server = SandboxServer(TOKEN, storage=tmp_path / "sandbox.jsonl", smtp_port=0)
    server.start()
    yield server
    server.stop()


async def test_a_message_sent_with_smtplib_and_aiosmtplib_is_kept_with_its_parts(mailserver):
    with smtplib.SMTP("127.0.0.1", mailserver.smtp.port, timeout=10) as smtp:
        smtp.send_message(message())
    await aiosmtplib.send(message("bob@example.org", "Brief für heute"), hostname="127.0.0.1",
                          port=mailserver.smtp.port, start_tls=False, use_tls=False)
    async with SandboxClient(mailserver.url) as control:
        listed = await control.emails()
        assert [e["to"] for e in listed] == ["bob@example.org", "ann@example.org"]  # newest first
        ann = await control.email(listed[1]["id"])
        bob = await control.wait_for_email("bob@example.org")
    assert ann["rcpt_tos"] == ["ann@example.org"] and ann["mail_from"] == "bell@example.org"
    assert ann["subject"] == "Task: water the plants"
    assert ann["message_id"] == "<t1.42@taskbell.test>" and ann["in_reply_to"] == "<t1@taskbell.test>"
    assert ann["list_unsubscribe"] == "<http://127.0.0.1/settings/x>"
    assert ann["text"] == "Water the plants.\nhttp://127.0.0.1/e/abc\n"
    assert '<a href="http://127.0.0.1/e/abc">Done</a>' in ann["html"]
    assert bob["subject"] == "Brief für heute"


async def test_refusals_permanent_temporary_counted_and_lifted(mailserver):
    port = mailserver.smtp.port
    async with SandboxClient(mailserver.url) as control:
        await control.refuse_mail("gone@example.org", 550)
        await control.refuse_mail("*", 451, times=1)
        with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
            await aiosmtplib.send(message("ann@example.org"), hostname="127.0.0.1", port=port)
        assert refused.value.recipients[0].code == 451
        await aiosmtplib.send(message("ann@example.org"), hostname="127.0.0.1", port=port)  # once only
        with pytest.raises(smtplib.SMTPRecipientsRefused) as gone, smtplib.SMTP("127.0.0.1", port) as smtp:
            smtp.send_message(message("Gone@Example.org"))
        assert gone.value.recipients["Gone@Example.org"][0] == 550
        await control.accept_mail("gone@example.org")
        await aiosmtplib.send(message("gone@example.org"), hostname="127.0.0.1", port=port)
        assert [e["to"] for e in await control.emails()] == ["gone@example.org", "ann@example.org"]
        with pytest.raises(SandboxError):
            await control.refuse_mail("x@example.org", 250)


async def test_down_refuses_connections_and_up_listens_again_on_the_same_port(mailserver):
    port = mailserver.smtp.port
    async with SandboxClient(mailserver.url) as control:
        status = await control.smtp_down()
        assert status["smtp"] == {"host": "127.0.0.1", "port": port, "running": False}
        with pytest.raises(aiosmtplib.SMTPConnectError):
            await aiosmtplib.send(message(), hostname="127.0.0.1", port=port, timeout=5)
        await control.smtp_up()
        await aiosmtplib.send(message(), hostname="127.0.0.1", port=port, timeout=5)
        assert len(await control.emails()) == 1
        await control.clear_mail()
        assert await control.emails() == []


async def test_the_mail_survives_a_restart_and_a_clear_is_kept_too(tmp_path):
    storage = tmp_path / "instance" / "taskbell-sandbox.jsonl"
    with SandboxServer(TOKEN, storage=storage, smtp_port=0) as first:
        await aiosmtplib.send(message("ann@example.org"), hostname="127.0.0.1", port=first.smtp.port)
        await aiosmtplib.send(message("bob@example.org"), hostname="127.0.0.1", port=first.smtp.port)
        async with SandboxClient(first.url) as control:
            before = [await control.email(e["id"]) for e in await control.emails()]
    with SandboxServer(TOKEN, storage=storage, smtp_port=0) as second:
        async with SandboxClient(second.url) as control:
            after = [await control.email(e["id"]) for e in await control.emails()]
            assert after == before and len(after) == 2
            await aiosmtplib.send(message("cy@example.org"), hostname="127.0.0.1", port=second.smtp.port)
            assert (await control.emails())[0]["id"] == 3  # ids continue
            await control.clear_mail()
    with SandboxServer(TOKEN, storage=storage, smtp_port=0) as third:
        async with SandboxClient(third.url) as control:
            assert await control.emails() == []


async def test_a_sandbox_without_smtp_says_so(sandbox, client):
    with pytest.raises(SandboxError, match="no SMTP server"):
        await client.smtp_down()
    assert (await client._get("/mail"))["smtp"] is None
