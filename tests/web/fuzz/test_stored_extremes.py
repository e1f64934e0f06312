"""Defence in depth: a due time far out of range already in the database (written before the edges
checked it) does not break a page, the API or the Telegram card for a reader east of UTC."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import update

from bot.messages import limits
from bot.messages.tasks import card_text
from domain.actors import Actor
from domain.auth import services as auth
from domain.groups import services as groups
from domain.models import Assignment, Role, Task
from domain.tasks import queries as task_queries
from tests.auxil.web import BASE_URL, api_token, dashboard_path, make_deps
from tests.factories import assign_one
from web.app import create_app

FAR = datetime(9999, 12, 31, 23, 0, tzinfo=UTC)


async def test_a_stored_year_9999_due_time_renders_everywhere(db, make_person):
    admin, teacher = make_person(Role.ADMIN, "Ada Admin"), make_person(Role.TEACHER, "Tess Teacher")
    sam = make_person(Role.STUDENT, "Sam Student")
    groups.create_group(db.uow(), Actor.web(teacher.id, None), "Tess's group", [sam.id])
    task_id = assign_one(db, teacher, sam, "Far away")
    with db.uow() as uow:
        uow.session.execute(update(Task).where(Task.id == task_id).values(due_at=FAR))
        uow.session.execute(update(Assignment).values(due_at=FAR))
        uow.commit()
    deps = make_deps(db, timezone="Asia/Tokyo")
    transport = httpx.ASGITransport(app=create_app(deps), raise_app_exceptions=False)
    for who in (admin, teacher):
        session = auth.create_session(db.uow(), who.id, "127.0.0.1").session_id
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                     cookies={"tb_session": session}) as http:
            for path in ("/admin/tasks", "/admin/tasks.csv", "/admin/insights",
                         dashboard_path(deps, sam.id)):
                r = await http.get(path)
                assert r.status_code == 200, (who.name, path, r.text[:300])
            page = await http.get("/admin/tasks")
            assert "31 Dec, 23:00 UTC" in page.text
            api = await http.get("/api/tasks", headers=api_token(db, who.id))
            assert api.status_code == 200 and api.json()["items"][0]["due_at"].startswith("9999-12-31")
    card = task_queries.task_card(db.uow(readonly=True), task_id)
    text = card_text(card, "Asia/Tokyo")
    assert "Due: Fri 31 Dec, 23:00 UTC" in text and limits.visible(text) <= limits.MAX_TEXT
