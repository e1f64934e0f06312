"""The `smtp` fixture: a real SMTP conversation with aiosmtplib, refusals and a server that is down."""

from __future__ import annotations

from email.message import EmailMessage

import aiosmtplib
import pytest

from tests.auxil.mail import running_smtp, smtp_settings, wait_for_email


def note(to: str) -> EmailMessage:
    m = EmailMessage()
    m["From"], m["To"], m["Subject"] = "taskbell@school.test", to, "Reminder"
    m.set_content("Your task is due today.")
    return m


async def send(smtp, to: str) -> None:
    await aiosmtplib.send(note(to), hostname=smtp.host, port=smtp.port, timeout=5)


async def test_the_fixture_receives_refuses_and_goes_down(smtp):
    assert smtp_settings(smtp)["smtp_port"] == smtp.port and smtp_settings(smtp)["smtp_tls"] == "none"
    await send(smtp, "ann@example.org")
    email = await wait_for_email(smtp, "ann@example.org")
    assert email.header("Subject") == "Reminder" and email.text == "Your task is due today.\n"

    smtp.mailbox.refuse("gone@example.org", 550)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as refused:
        await send(smtp, "gone@example.org")
    assert refused.value.recipients[0].code == 550

    smtp.mailbox.refuse("*", 451, times=1)
    with pytest.raises(aiosmtplib.SMTPRecipientsRefused) as later:
        await send(smtp, "bob@example.org")
    assert later.value.recipients[0].code == 451
    await send(smtp, "bob@example.org")  # the temporary refusal has passed

    smtp.down()
    with pytest.raises(aiosmtplib.SMTPConnectError):
        await send(smtp, "bob@example.org")
    smtp.up()
    await send(smtp, "bob@example.org")
    assert len(smtp.mailbox.to("bob@example.org")) == 2
    with pytest.raises(TimeoutError):
        await wait_for_email(smtp, "nobody@example.org", timeout=0.2)


async def test_a_server_that_requires_a_login_takes_only_the_right_one():
    for server in running_smtp(login=("bell", "s3cret")):
        with pytest.raises(aiosmtplib.SMTPResponseException) as unauthenticated:
            await send(server, "ann@example.org")
        assert unauthenticated.value.code == 530
        with pytest.raises(aiosmtplib.SMTPAuthenticationError):
            await aiosmtplib.send(note("ann@example.org"), hostname=server.host, port=server.port,
                                  username="bell", password="wrong", start_tls=False, timeout=5)
        await aiosmtplib.send(note("ann@example.org"), hostname=server.host, port=server.port,
                              username="bell", password="s3cret", start_tls=False, timeout=5)
        assert len(server.mailbox.to("ann@example.org")) == 1
