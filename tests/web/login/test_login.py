"""Signing in to the web over HTTP: codes, links, sessions, cookies, CSRF, logout, and the whole
sign-in in Chromium against the real app served by uvicorn."""

from __future__ import annotations

import dataclasses
import re

import httpx
import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.auth import services as auth
from domain.errors import InvalidInput
from domain.models import AuditEntry, Notification, Person, PersonStatus, Role, WebSession
from domain.models.auth import OtpChallenge
from domain.people import services as people
from tests.auxil.console import ask_code, code_for, csrf_in, new_page, sign_in
from tests.auxil.web import client, make_deps
from web.app import create_app


def sessions(db) -> int:
    with db.uow(readonly=True) as uow:
        return uow.session.scalar(select(func.count()).select_from(WebSession)) or 0


async def test_unknown_phone_is_answered_exactly_like_a_known_one(db, make_person):
    known = make_person(Role.TEACHER)
    async with client(make_deps(db)) as http:
        page = await http.get("/login")
        token = csrf_in(page.text)
        answers = []
        for phone in (known.phone, "+447700955555"):
            r = await http.post("/login", data={"phone": phone, "csrf": token})
            code_page = await http.get("/login/code")
            answers.append((r.status_code, r.headers["location"], r.content, code_page.status_code,
                            code_page.text, len(http.cookies["tb_attempt"])))
    assert answers[0] == answers[1]
    assert answers[0][0] == 303 and answers[0][1] == "/login/code"
    with db.uow(readonly=True) as uow:  # only the real person was sent a code
        assert list(uow.session.scalars(select(Notification.recipient_id).where(
            Notification.kind == "login_code"))) == [known.id]


async def test_code_sign_in_opens_the_console_and_logout_kills_the_cookie(db, make_person):
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    async with client(make_deps(db)) as http:
        signed = await sign_in(http, db, teacher)
        assert signed.status_code == 303 and signed.headers["location"] == "/admin"
        cookie = signed.headers.get_list("set-cookie")
        session_cookie = next(c for c in cookie if c.startswith("tb_session="))
        assert "HttpOnly" in session_cookie and "samesite=lax" in session_cookie.lower()
        assert "Secure" not in session_cookie  # APP_BASE_URL is http in this test
        sid = http.cookies["tb_session"]
        tasks = await http.get("/admin/tasks")
        assert tasks.status_code == 200 and "Tess Teacher" in tasks.text
        assert sid not in tasks.text
        out = await http.post("/logout", data={"csrf": csrf_in(tasks.text)})
        assert out.status_code == 303 and out.headers["location"] == "/login?bye=1"
        assert sessions(db) == 0
    async with client(make_deps(db)) as replay:  # the captured cookie is dead
        replay.cookies.set("tb_session", sid, domain="taskbell.test")
        r = await replay.get("/admin/tasks")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")


async def test_students_land_on_their_own_dashboard(db, make_person):
    student = make_person(Role.STUDENT)
    async with client(make_deps(db)) as http:
        signed = await sign_in(http, db, student)
        assert signed.status_code == 303 and signed.headers["location"].startswith("/d/")
        r = await http.get("/admin/tasks")
        assert r.status_code == 403 and "administrators and teachers only" in r.text


async def test_codes_expire_and_work_once(db, make_person, clock):
    p = make_person(Role.ADMIN)
    async with client(make_deps(db)) as http:
        await ask_code(http, p.phone)
        page = await http.get("/login/code")
        clock.advance(minutes=10, seconds=1)
        late = await http.post("/login/code", data={"code": code_for(db, p.id), "csrf": csrf_in(page.text)})
        assert late.status_code == 400 and auth.WRONG in late.text
        await ask_code(http, p.phone)
        attempt, code = http.cookies["tb_attempt"], code_for(db, p.id)
        page = await http.get("/login/code")
        ok = await http.post("/login/code", data={"code": code, "csrf": csrf_in(page.text)})
        assert ok.status_code == 303 and "tb_attempt" not in http.cookies
        http.cookies.set("tb_attempt", attempt, domain="taskbell.test")  # replay the same attempt
        page = await http.get("/login/code")
        again = await http.post("/login/code", data={"code": code, "csrf": csrf_in(page.text)})
        assert again.status_code == 400 and sessions(db) == 1


async def test_five_wrong_guesses_kill_the_code(db, make_person):
    p = make_person(Role.ADMIN)
    async with client(make_deps(db)) as http:
        await ask_code(http, p.phone)
        token = csrf_in((await http.get("/login/code")).text)
        code = code_for(db, p.id)
        wrong = "000000" if code != "000000" else "111111"
        for _ in range(5):
            r = await http.post("/login/code", data={"code": wrong, "csrf": token})
            assert r.status_code == 400
        r = await http.post("/login/code", data={"code": code, "csrf": token})
        assert r.status_code == 400 and auth.WRONG in r.text and sessions(db) == 0


async def test_too_many_codes_get_a_429_page(db, make_person):
    p = make_person(Role.ADMIN)
    async with client(make_deps(db)) as http:
        for _ in range(auth.PER_PHONE_PER_HOUR):
            assert (await ask_code(http, p.phone)).status_code == 303
        r = await ask_code(http, p.phone)
        assert r.status_code == 429 and "Too many codes" in r.text
    async with client(make_deps(db)) as http:  # another browser
        unknown = [await ask_code(http, "+447700966666") for _ in range(auth.PER_PHONE_PER_HOUR + 1)]
        assert [u.status_code for u in unknown][-2:] == [303, 429]  # unknown phones are limited alike


async def test_forms_refuse_missing_csrf_and_cross_site_posts(db, make_person):
    admin = make_person(Role.ADMIN)
    victim = make_person(Role.MEMBER)
    async with client(make_deps(db)) as http:
        r = await http.post("/login", data={"phone": admin.phone})
        assert r.status_code == 403
        r = await ask_code(http, admin.phone, **{"sec-fetch-site": "cross-site"})
        assert r.status_code == 403
        r = await ask_code(http, admin.phone, origin="https://evil.example")
        assert r.status_code == 403
        with db.uow(readonly=True) as uow:
            assert uow.session.scalar(select(func.count()).select_from(Notification)) == 0
        await sign_in(http, db, admin)
        page = await http.get("/admin/people")
        token = csrf_in(page.text)
        for data, headers in (({"status": "disabled"}, {}),
                              ({"status": "disabled", "csrf": "0" * 64}, {}),
                              ({"status": "disabled", "csrf": token}, {"sec-fetch-site": "cross-site"}),
                              ({"status": "disabled", "csrf": token}, {"origin": "https://evil.example"})):
            r = await http.post(f"/admin/people/{victim.id}/status", data=data, headers=headers)
            assert r.status_code == 403, data
        r = await http.post("/logout", data={"csrf": "0" * 64})
        assert r.status_code == 403 and sessions(db) == 1
        r = await http.post(f"/admin/people/{victim.id}/status", data={"status": "disabled", "csrf": token})
        assert r.status_code == 303
    with db.uow(readonly=True) as uow:
        from domain.models import Person
        assert uow.session.get(Person, victim.id).status == PersonStatus.DISABLED


async def test_disabling_or_demoting_applies_on_the_next_request(db, make_person):
    admin = make_person(Role.ADMIN)
    teacher = make_person(Role.TEACHER)
    async with client(make_deps(db)) as http:
        await sign_in(http, db, teacher)
        assert (await http.get("/admin/groups")).status_code == 200
        people.set_role(db.uow(), Actor.web(admin.id, None), teacher.id, Role.MEMBER)
        assert (await http.get("/admin/groups")).status_code == 403
        people.set_role(db.uow(), Actor.web(admin.id, None), teacher.id, Role.TEACHER)
        assert (await http.get("/admin/groups")).status_code == 200
        people.set_status(db.uow(), Actor.web(admin.id, None), teacher.id, PersonStatus.DISABLED)
        r = await http.get("/admin/groups")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        r = await http.post("/logout", data={})
        assert r.status_code == 303


async def test_sign_in_link_get_changes_nothing_and_post_works_once(db, make_person):
    p = make_person(Role.ADMIN)
    token = auth.issue_one_time(db.uow(), purpose=auth.SIGNIN, person_id=p.id, ttl=auth.SIGNIN_LINK_TTL)
    async with client(make_deps(db)) as http:
        for _ in range(2):  # a link preview, then the person
            page = await http.get(f"/login/link/{token}")
            assert page.status_code == 200 and "Sign in" in page.text
        assert sessions(db) == 0
        r = await http.post(f"/login/link/{token}", data={"csrf": csrf_in(page.text)})
        assert r.status_code == 303 and r.headers["location"] == "/admin" and sessions(db) == 1
        assert (await http.get("/admin/people")).status_code == 200
    async with client(make_deps(db)) as http:  # someone else replays the used link
        login = await http.get("/login")
        again = await http.post(f"/login/link/{token}", data={"csrf": csrf_in(login.text)})
        assert again.status_code == 410 and "already used" in again.text
        assert (await http.get(f"/login/link/{token}")).status_code == 410
        assert (await http.get("/login/link/forged-token")).status_code == 410


async def test_secure_cookies_on_https(db, make_person):
    p = make_person(Role.ADMIN)
    deps = make_deps(db, app_base_url="https://taskbell.example.org")
    transport = httpx.ASGITransport(app=create_app(deps))
    async with httpx.AsyncClient(transport=transport, base_url="https://taskbell.example.org") as http:
        r = await sign_in(http, db, p)
        assert r.status_code == 303
        cookie = next(c for c in r.headers.get_list("set-cookie") if c.startswith("__Host-tb_session="))
        assert all(flag in cookie for flag in ("HttpOnly", "Secure", "Path=/"))
        assert "domain" not in cookie.lower()
        assert (await http.get("/admin/tasks")).status_code == 200


async def test_api_accepts_the_session_cookie_but_posts_need_the_csrf_header(db, make_person):
    p = make_person(Role.ADMIN)
    async with client(make_deps(db)) as http:
        await sign_in(http, db, p)
        token = csrf_in((await http.get("/admin/tasks")).text)
        assert (await http.get("/api/tasks")).status_code == 200
        body = {"title": "From the browser", "person_ids": [p.id]}
        assert (await http.post("/api/assignments", json=body)).status_code == 403
        r = await http.post("/api/assignments", json=body, headers={"x-csrf-token": token})
        assert r.status_code == 201


# --- the whole sign-in in Chromium ----------------------------------------------------------

def test_sign_in_in_chromium_then_logout_and_the_old_cookie_is_dead(db, make_person, browser, served):
    from playwright.sync_api import expect

    admin = make_person(Role.ADMIN, "Ada Admin")
    base, _deps = served
    page = new_page(browser, 420, 860)
    try:
        page.goto(f"{base}/admin/people")  # not signed in: sent to /login
        expect(page.locator("h1")).to_have_text("Sign in")
        page.fill("#phone", admin.phone)
        page.get_by_role("button", name="Send me a code").click()
        expect(page.locator("h1")).to_have_text("Enter your code")
        page.fill("#code", "999999" if code_for(db, admin.id) != "999999" else "111111")
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator(".error")).to_contain_text("not right")
        page.fill("#code", code_for(db, admin.id))
        page.get_by_role("button", name="Sign in").click()
        expect(page.locator("h1")).to_have_text("People")  # back where we wanted to go
        assert re.search(r"/admin/people$", page.url)
        expect(page.locator(".who")).to_contain_text("Ada Admin")
        cookies = {c["name"]: c for c in page.context.cookies()}
        sid = cookies["tb_session"]["value"]
        assert cookies["tb_session"]["httpOnly"] and cookies["tb_session"]["sameSite"] == "Lax"
        assert page.evaluate("document.cookie") == ""  # nothing readable by scripts
        page.get_by_role("link", name="Tasks").click()
        expect(page.locator("h1")).to_have_text("Tasks")
        page.get_by_role("button", name="Sign out").click()
        expect(page.locator(".flash")).to_have_text("You are signed out.")
        assert sessions(db) == 0

        with httpx.Client(base_url=base, cookies={"tb_session": sid}) as http:  # replay the cookie
            r = http.get("/admin/people")
        assert r.status_code == 303 and r.headers["location"].startswith("/login")
        # the wrong code's 400 is the only complaint: no CSP violations, no script errors
        assert [e for e in page.console_errors if "status of 400" not in e] == []
    finally:
        page.context.close()


def test_sign_in_with_code_is_one_transaction_and_carries_a_read_model(db, make_person):
    teacher = make_person(Role.TEACHER, "Tess")
    key = "k" * 32
    attempt = auth.request_code(db.uow(), phone=teacher.phone, ip="192.0.2.7", key=key)
    code = code_for(db, teacher.id)
    wrong = "000000" if code != "000000" else "111111"
    with pytest.raises(InvalidInput):
        auth.sign_in_with_code(db.uow(), attempt_id=attempt.attempt_id, code=wrong, ip=None, key=key)
    assert sessions(db) == 0  # a wrong guess opens nothing (but counts: it was committed)
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(OtpChallenge.attempts)) == 1
    info = auth.sign_in_with_code(db.uow(), attempt_id=attempt.attempt_id, code=code, ip="192.0.2.7", key=key)
    assert info.person == auth.SignedIn(teacher.id, "Tess", Role.TEACHER, teacher.timezone, 0)
    assert dataclasses.is_dataclass(info.person) and not isinstance(info.person, Person)
    with pytest.raises(dataclasses.FrozenInstanceError):
        info.person.role = Role.ADMIN  # type: ignore[misc]
    assert sessions(db) == 1 and auth.load_session(db.uow(), info.session_id).person == info.person
    with db.uow(readonly=True) as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)))
    assert actions[-2:] == ["login.code_ok", "session.start"]
    with pytest.raises(InvalidInput):  # the code works once
        auth.sign_in_with_code(db.uow(), attempt_id=attempt.attempt_id, code=code, ip=None, key=key)
    assert sessions(db) == 1


def test_a_code_for_someone_disabled_meanwhile_opens_no_session(db, make_person):
    member = make_person(Role.MEMBER)
    key = "k" * 32
    attempt = auth.request_code(db.uow(), phone=member.phone, ip=None, key=key)
    people.set_status(db.uow(), Actor.system(), member.id, PersonStatus.DISABLED)
    with pytest.raises(InvalidInput):
        auth.sign_in_with_code(db.uow(), attempt_id=attempt.attempt_id, code=code_for(db, member.id), ip=None,
                               key=key)
    assert sessions(db) == 0
    with db.uow(readonly=True) as uow:  # refused as a whole: the code was not used up either
        assert uow.session.scalar(select(OtpChallenge.consumed_at)) is None
