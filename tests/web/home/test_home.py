"""`/` is a landing page: what Taskbell is, Sign in, and how to ask the bot for a link."""

from __future__ import annotations

import pytest

from domain.auth import services as auth
from domain.models import Role
from tests.auxil.web import client, make_deps


@pytest.mark.asyncio
async def test_the_front_door_says_what_taskbell_is_and_how_to_get_in(db):
    async with client(make_deps(db, bot_username="TaskbellBot", telegram_bot_token="123456:" + "A" * 35)) as http:
        page = await http.get("/")
    assert page.status_code == 200
    assert "Telegram" in page.text and 'href="/login"' in page.text
    assert "<code>/web</code>" in page.text and "https://t.me/TaskbellBot" in page.text
    assert "chat page" not in page.text  # a real bot: no sandbox here


@pytest.mark.asyncio
async def test_on_the_sandbox_it_points_to_the_chat_page(db):
    async with client(make_deps(db, sandbox_port=8123)) as http:
        page = await http.get("/")
    assert page.status_code == 200 and 'href="http://127.0.0.1:8123/chat"' in page.text


@pytest.mark.asyncio
async def test_signed_in_staff_are_offered_the_console(db, make_person):
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    info = auth.create_session(db.uow(), teacher.id, "127.0.0.1")
    async with client(make_deps(db)) as http:
        http.cookies.set("tb_session", info.session_id)
        page = await http.get("/")
    assert "Tess Teacher" in page.text and 'href="/admin"' in page.text
