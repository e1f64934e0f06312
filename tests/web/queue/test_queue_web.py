"""The queue over HTTP: GET /api/queue (and its place in the OpenAPI document) and /admin/queue."""

from __future__ import annotations

from tests.auxil.console import sign_in
from tests.auxil.web import api_token, client, make_deps
from tests.domain.queue.conftest import world  # noqa: F401  (the fixture)


async def test_api_queue_orders_filters_and_pages(world):  # noqa: F811
    async with client(make_deps(world.db)) as http:
        headers = api_token(world.db, world.admin.id)
        r = await http.get("/api/queue", params={"limit": 2}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert [i["title"] for i in body["items"]] == ["Leaking tap", "Mark essays"]
        assert body["next_offset"] == 2 and body["summary"]["total"] == 6 and body["summary"]["overdue"] == 1
        assert body["items"][0]["time_left"] == -3600 and body["items"][0]["type"] == "ticket"
        r = await http.get("/api/queue", params={"sort": "age", "desc": "true", "type": "ticket"}, headers=headers)
        assert next(i["title"] for i in r.json()["items"]) == "Wobbly desk"
        r = await http.get("/api/queue", params={"full": "false"}, headers=headers)
        assert r.json()["items"] == [] and r.json()["summary"]["tickets"] == 4
        assert (await http.get("/api/queue", params={"sort": "nope"}, headers=headers)).status_code == 400
        assert (await http.get("/api/queue")).status_code == 401
        mine = await http.get("/api/queue", headers=api_token(world.db, world.carl.id))
        assert [i["title"] for i in mine.json()["items"]] == ["Mark essays", "Broken light"]
        doc = (await http.get("/api/openapi.json")).json()
        assert "/queue" in doc["paths"] and "QueuePageOut" in doc["components"]["schemas"]


async def test_console_queue_for_admins_and_leads_only(world):  # noqa: F811
    async with client(make_deps(world.db)) as http:
        await sign_in(http, world.db, world.lena)
        page = await http.get("/admin/queue")
        assert page.status_code == 200
        assert "Leaking tap" in page.text and "Booking BK-1" not in page.text and 'src="/static/queue.js"' in page.text
        assert "breached 1 h ago" in page.text
        only_low = await http.get("/admin/queue", params={"priority": "low"})
        assert "Broken light" in only_low.text and "Leaking tap" not in only_low.text
    async with client(make_deps(world.db)) as http:
        await sign_in(http, world.db, world.carl)
        assert (await http.get("/admin/queue")).status_code == 403
