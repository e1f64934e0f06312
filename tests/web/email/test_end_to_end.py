"""From the real SMTP conversation to the web app (both databases): the Start link in a task's email
works once through its confirmation page, and a sign-in code arrives by email and signs in."""

from __future__ import annotations

import re

import pytest

from domain.email_actions import SignedMailLinks
from domain.links import LinkSigner
from domain.mail import channels
from domain.models import Person, PersonStatus, Role
from domain.people import services as people
from mailer.loop import MailConfig, MailLoop
from mailer.registry import MailContext
from mailer.smtp import SmtpConfig
from tests.auxil.console import csrf_in
from tests.auxil.databases import task_status
from tests.auxil.web import BASE_URL, KEYS, client, make_deps
from tests.factories import SYSTEM, assign_one
from tests.mailer.conftest import smtp_server  # noqa: F401  (the real SMTP server fixture)
from tests.web.dashboard.test_dashboard import snapshot


@pytest.fixture
def web_mail(db, smtp_server):  # noqa: F811
    """The email loop with the web app's own signed links (the container's wiring)."""
    db.email_enabled = True
    signer = LinkSigner(KEYS)
    ctx = MailContext(db, "Europe/London", signer, BASE_URL, SignedMailLinks(signer, BASE_URL, db))
    smtp = SmtpConfig("127.0.0.1", smtp_server.port, "Taskbell <bell@school.example>", tls="none", timeout=5)
    return MailLoop(db, ctx, smtp, MailConfig(backoff_base=5, wake_on_commit=False))


def email_only(db, make_person, address: str) -> Person:
    person = make_person(Role.PARENT, "Pat Parent", active=False)
    channels.set_email(db.uow(), SYSTEM, address, person_id=person.id)
    people.set_status(db.uow(), SYSTEM, person.id, PersonStatus.ACTIVE)
    return person


async def test_the_emailed_start_link_works_once_and_its_get_changes_nothing(db, make_person, web_mail,
                                                                              smtp_server):  # noqa: F811
    boss = make_person(Role.ADMIN, "Boss")
    pat = email_only(db, make_person, "pat@home.example")
    task = assign_one(db, boss, pat, "Bring the signed forms")
    await web_mail.drain()
    [got] = smtp_server.to("pat@home.example")
    start = re.search(rf"Start: {re.escape(BASE_URL)}(/e/\S+)", got.text()).group(1)
    settings = re.search(rf"{re.escape(BASE_URL)}(/e/settings/\S+)", got.text()).group(1)
    before = snapshot(db)
    async with client(make_deps(db)) as http:
        page = await http.get(start)
        assert page.status_code == 200 and "Bring the signed forms" in page.text
        assert snapshot(db) == before and task_status(db, task) == "pending"
        first = await http.post(start, data={"csrf": csrf_in(page.text)})
        assert "Started." in first.text and task_status(db, task) == "in_progress"
        second = await http.post(start, data={"csrf": csrf_in(page.text)})
        assert "Nothing changed" in second.text
        assert (await http.get(settings)).status_code == 200  # the footer / List-Unsubscribe page


async def test_a_sign_in_code_arrives_by_email_and_signs_in(db, make_person, web_mail, smtp_server):  # noqa: F811
    pat = email_only(db, make_person, "pat@home.example")
    with db.uow() as uow:
        uow.session.get(Person, pat.id).email_verified_at = uow.now
        uow.commit()
    async with client(make_deps(db)) as http:
        page = await http.get("/login")
        asked = await http.post("/login/email", data={"email": "pat@home.example", "csrf": csrf_in(page.text)})
        assert asked.status_code == 303
        await web_mail.drain()
        [got] = smtp_server.to("pat@home.example")
        assert got.message["Subject"] == "Your Taskbell sign-in code"
        code = re.search(r"is (\d{6})\.", got.text()).group(1)
        form = await http.get("/login/code?via=email")
        signed = await http.post("/login/code", data={"code": code, "csrf": csrf_in(form.text)})
        assert signed.status_code == 303 and signed.headers["location"].startswith("/d/")
