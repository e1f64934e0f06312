"""The MIME message: no header can be injected through a subject or a name, and bodies are capped."""

from __future__ import annotations

import email
from email.policy import default

from mailer import compose
from mailer.registry import Email, body


def parsed(msg):
    return email.message_from_bytes(msg.as_bytes(), policy=default)


def test_cr_lf_in_a_subject_or_name_cannot_add_a_header():
    evil = "Hello\r\nBcc: victim@evil.example\r\n\r\nbody"
    msg = parsed(compose.build(Email(evil, "t", "<p>t</p>"), sender="Taskbell <bell@school.example>",
                               to_address="sam@example.org", to_name=f"Sam{evil}", notification_id=7,
                               settings_url=None))
    assert msg["Bcc"] is None
    assert msg["Subject"] == "Hello Bcc: victim@evil.example body"
    assert msg["To"].addresses[0].addr_spec == "sam@example.org" and len(msg["To"].addresses) == 1
    assert msg["Message-ID"] == "<taskbell-n7@school.example>"


def test_a_huge_body_is_capped_and_html_is_escaped():
    text, html = body(["<script>alert(1)</script>", "x" * 500_000])
    msg = parsed(compose.build(Email("s", text, html), sender="bell@school.example", to_address="a@b.example",
                               to_name="", notification_id=1, settings_url="http://x/e/settings/t"))
    plain = msg.get_body(("plain",)).get_content()
    markup = msg.get_body(("html",)).get_content()
    assert len(plain) < compose.MAX_BODY + 1000 and "[cut: the full text is on your dashboard]" in plain
    assert "<script>" not in markup and "&lt;script&gt;" in markup
    assert "http://x/e/settings/t" in plain and msg["List-Unsubscribe"].strip() == "<http://x/e/settings/t>"
    assert msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_every_kind_that_can_go_by_email_has_its_own_renderer_and_others_a_fallback(mail):
    from domain.mail.channels import group_of
    from domain.outbox import Delivery, NotificationKind
    from mailer.registry import RENDERERS

    assert {k.value for k in NotificationKind if group_of(k.value)} <= set(RENDERERS)
    made = mail.ctx.render(Delivery(1, "from_a_newer_version", 7, None, {"title": "Hello"}, 1, None, None))
    assert made.subject == "From a newer version: Hello" and "/d/" in made.text
