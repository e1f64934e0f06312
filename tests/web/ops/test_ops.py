"""/ready and /metrics on the real app."""

from __future__ import annotations

import httpx
import pytest

from adapters import migrations
from adapters.settings import Settings
from domain.links import LinkSigner
from web.app import create_app
from web.deps import WebDeps


def client(db, client_host="127.0.0.1", **values) -> httpx.AsyncClient:
    settings = Settings(database_url=str(db.engine.url), secret_keys=("k" * 32,), **values)
    app = create_app(WebDeps(settings=settings, db=db, links=LinkSigner(settings.secret_keys)))
    transport = httpx.ASGITransport(app=app, client=(client_host, 1234))
    return httpx.AsyncClient(transport=transport, base_url="http://testserver")


@pytest.mark.asyncio
async def test_ready_and_not_ready(db):
    async with client(db) as c:
        r = await c.get("/ready")
        assert r.status_code == 200 and r.json() == {"status": "ready", "revision": migrations.head_revision()}
    migrations.downgrade(db.engine, "0004")
    async with client(db) as c:
        r = await c.get("/ready")
        assert r.status_code == 503 and "database at 0004" in r.json()["reason"]
    migrations.upgrade(db.engine)


@pytest.mark.asyncio
async def test_metrics_closed_to_the_public_and_counting(db, make_person):
    async with client(db, client_host="203.0.113.5") as c:
        assert (await c.get("/metrics")).status_code == 403
    async with client(db, client_host="203.0.113.5", metrics_token="m" * 20) as c:
        assert (await c.get("/metrics", headers={"Authorization": "Bearer wrong"})).status_code == 403
        await c.get("/health")
        await c.get("/d/not-a-real-token")
        r = await c.get("/metrics", headers={"Authorization": "Bearer " + "m" * 20})
    assert r.status_code == 200
    text = r.text
    assert 'taskbell_http_requests_total{method="GET",route="/health",status="200"} 1.0' in text
    assert 'route="/d/{token}"' in text and "not-a-real-token" not in text
    assert 'taskbell_notifications{status="pending"} 0.0' in text
    assert "taskbell_outbox_oldest_unsent_seconds 0.0" in text
