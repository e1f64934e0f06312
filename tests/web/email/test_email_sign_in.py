"""Sign-in codes by email over HTTP (both databases): only to a verified address, the same code form and
the same limits as the Telegram code; an address is verified by a code sent to it."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.auth import limits
from domain.mail import channels
from domain.models import Notification, Person, Role
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import BASE_URL, make_deps
from web.app import create_app


@pytest.fixture
def email_on(db, monkeypatch):
    monkeypatch.setattr(db, "email_enabled", True)
    return db


def browser(deps, address: str = "198.51.100.5") -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(deps), client=(address, 40000)),
                             base_url=BASE_URL)


def emailed_codes(db, person_id: int) -> list[tuple[str, str]]:
    """(channel, code) of every code sent to the person, oldest first."""
    with db.uow(readonly=True) as uow:
        rows = uow.session.scalars(select(Notification).where(
            Notification.kind == "login_code", Notification.recipient_id == person_id).order_by(Notification.id))
        return [(n.channel, str(n.data["code"])) for n in rows]


async def ask_by_email(http: httpx.AsyncClient, address: str) -> httpx.Response:
    page = await http.get("/login")
    return await http.post("/login/email", data={"email": address, "csrf": csrf_in(page.text)})


async def enter_code(http: httpx.AsyncClient, code: str) -> httpx.Response:
    page = await http.get("/login/code?via=email")
    return await http.post("/login/code", data={"code": code, "csrf": csrf_in(page.text)})


def verified(db, person_id: int) -> bool:
    with db.uow(readonly=True) as uow:
        return uow.session.get(Person, person_id).email_verified_at is not None


async def test_verify_the_address_then_sign_in_with_a_code_sent_by_email(email_on, make_person):
    db = email_on
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    channels.set_email(db.uow(), Actor.system(), "tess@example.org", teacher.id)
    deps = make_deps(db)
    async with browser(deps) as stranger:  # an unverified address gets nothing, answered alike
        asked = await ask_by_email(stranger, "tess@example.org")
        assert asked.status_code == 303 and asked.headers["location"] == "/login/code?via=email"
        assert "emailed it a 6-digit code" in (await stranger.get("/login/code?via=email")).text
    assert emailed_codes(db, teacher.id) == []
    async with browser(deps) as http:  # signed in (by Telegram), Tess verifies her address
        await sign_in(http, db, teacher)
        page = await http.get("/admin/channels")
        assert 'id="verify-email"' in page.text
        sent = await http.post("/admin/channels/verify", data={"csrf": csrf_in(page.text)})
        assert sent.status_code == 303 and "m=code_sent" in sent.headers["location"]
        channel, code = emailed_codes(db, teacher.id)[-1]
        assert channel == "email"
        wrong = await http.post("/admin/channels/verify/code", data={"csrf": csrf_in(page.text),
                                                                      "code": "000000" if code != "000000" else "111111"})
        assert "m=verify_wrong" in wrong.headers["location"] and not verified(db, teacher.id)
        ok = await http.post("/admin/channels/verify/code", data={"csrf": csrf_in(page.text), "code": code})
        assert "m=verified" in ok.headers["location"] and verified(db, teacher.id)
        assert "Verified: sign-in codes" in (await http.get("/admin/channels")).text
    async with browser(deps) as http:
        asked = await ask_by_email(http, "TESS@example.org ")
        assert asked.status_code == 303
        channel, code = emailed_codes(db, teacher.id)[-1]
        assert channel == "email"
        signed = await enter_code(http, code)
        assert signed.status_code == 303 and signed.headers["location"] == "/admin"
        assert (await http.get("/admin/tasks")).status_code == 200


async def test_the_email_code_has_the_telegram_codes_limits(email_on, make_person):
    db = email_on
    person = make_person(Role.TEACHER)
    channels.set_email(db.uow(), Actor.system(), "t@example.org", person.id)
    with db.uow() as uow:
        uow.session.get(Person, person.id).email_verified_at = uow.now
        uow.commit()
    deps = make_deps(db)
    async with browser(deps, "203.0.113.66") as attacker:
        answers = [(await ask_by_email(attacker, "t@example.org")).status_code
                   for _ in range(limits.PER_PHONE_PER_HOUR + 1)]
    assert answers == [303] * limits.PER_PHONE_PER_HOUR + [429]
    assert len(emailed_codes(db, person.id)) == limits.PER_PHONE_PER_HOUR
    async with browser(deps, "198.51.100.9") as own:  # another address still gets one: no lock-out
        assert (await ask_by_email(own, "t@example.org")).status_code == 303
        refused = await ask_by_email(own, "not an address")
        assert refused.status_code == 400 and 'id="email-error"' in refused.text


async def test_no_email_code_when_email_is_not_configured(db, make_person):
    person = make_person(Role.TEACHER)
    channels.set_email(db.uow(), Actor.system(), "t@example.org", person.id)
    async with browser(make_deps(db)) as http:
        refused = await ask_by_email(http, "t@example.org")
        assert refused.status_code == 400 and "not available here" in refused.text
    assert emailed_codes(db, person.id) == []
