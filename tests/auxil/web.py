"""Helpers for the web tests: the real app over ASGI or served by uvicorn, signed links, API tokens."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx

from adapters.settings import Settings
from domain.actors import Actor
from domain.auth import api_tokens
from domain.links import LinkSigner
from domain.uow import Database
from tgsandbox.server import ThreadedUvicorn
from web.app import create_app
from web.deps import UpdateHandler, WebDeps

KEYS = ("test-key-0123456789abcdef",)
BASE_URL = "http://taskbell.test"


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {"database_url": "sqlite://", "secret_keys": KEYS,
                              "timezone": "Europe/London", "app_base_url": BASE_URL}
    values.update(overrides)
    return Settings(**values)


def make_deps(db: Database, *, on_update: UpdateHandler | None = None, bot_username: str | None = None,
              **settings: Any) -> WebDeps:
    return WebDeps(settings=make_settings(**settings), db=db, links=LinkSigner(KEYS),
                   on_telegram_update=on_update, poll_seconds=0.3, bot_username=bot_username)


def client(deps: WebDeps) -> httpx.AsyncClient:
    """An HTTP client talking to the real app in-process (the peer address is 127.0.0.1)."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=create_app(deps)), base_url=BASE_URL)


@contextmanager
def serve(deps: WebDeps) -> Iterator[str]:
    """The real app served by uvicorn on a free port, for a browser; yields its base URL."""
    server = ThreadedUvicorn(create_app(deps), "127.0.0.1", 0)
    base = server.start()
    try:
        yield base
    finally:
        server.stop()


def dashboard_path(deps: WebDeps, person_id: int) -> str:
    return f"/d/{deps.links.dashboard_token(person_id, deps.db.clock.now())}"


def api_token(db: Database, person_id: int) -> dict[str, str]:
    """Authorization headers with a fresh token for the person."""
    _token, plaintext = api_tokens.create_token(db.uow(), Actor.system(), person_id, "tests")
    return {"authorization": f"Bearer {plaintext}"}
