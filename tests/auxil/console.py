"""Helpers for the sign-in and console tests: reading codes from the outbox, signing in over HTTP,
and a fresh page in the session's Chromium (the `browser` fixture of tests/web/conftest.py)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select

from domain.auth import services as auth
from domain.models import Notification, Person
from domain.uow import Database

CHROMIUM = Path("/usr/bin/chromium")
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                "--disable-component-update", "--no-first-run", "--disable-sync"]
CSRF = re.compile(r'name="csrf" value="([0-9a-f]{64})"')


def code_for(db: Database, person_id: int) -> str:
    """The latest sign-in code sent to the person (read from the outbox row, as the bot would)."""
    with db.uow(readonly=True) as uow:
        note = uow.session.scalars(select(Notification).where(
            Notification.kind == "login_code", Notification.recipient_id == person_id)
            .order_by(Notification.id.desc())).first()
    assert note is not None, "no code was sent"
    return str(note.data["code"])


def csrf_in(html: str) -> str:
    match = CSRF.search(html)
    assert match, "no CSRF field on the page"
    return match.group(1)


async def ask_code(http: httpx.AsyncClient, phone: str, **headers: str) -> httpx.Response:
    page = await http.get("/login")
    return await http.post("/login", data={"phone": phone, "csrf": csrf_in(page.text)}, headers=headers)


async def sign_in(http: httpx.AsyncClient, db: Database, person: Person) -> httpx.Response:
    """The whole code sign-in over HTTP; returns the response to the code POST (a 303)."""
    sent = await ask_code(http, person.phone)
    assert sent.status_code == 303, sent.text
    page = await http.get("/login/code")
    return await http.post("/login/code", data={"code": code_for(db, person.id), "csrf": csrf_in(page.text)})


def session_cookie(db: Database, person: Person, base_url: str) -> dict[str, Any]:
    """A Playwright cookie for a fresh session of `person` (skips the code dance)."""
    info = auth.create_session(db.uow(), person.id, "127.0.0.1")
    return {"name": "tb_session", "value": info.session_id, "url": base_url, "httpOnly": True,
            "sameSite": "Lax"}


def new_page(browser: Any, width: int = 1100, height: int = 900) -> Any:
    """A page in a context of its own (close `page.context` when done); script errors land in
    `page.console_errors`."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.console_errors = errors
    return page
