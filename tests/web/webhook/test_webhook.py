"""The Telegram webhook route: secret header, JSON body, answer only after the update is taken."""

from __future__ import annotations

from typing import Any

import pytest

from tests.auxil.web import client, make_deps

SECRET = "s3cret_token-123"
URL = "/telegram/webhook"
WEBHOOK = {"telegram_webhook_url": "https://taskbell.test/telegram/webhook",
           "telegram_webhook_secret": SECRET}


class Recorder:
    """A stand-in for the bot's update handler (a plain coroutine, not a mock of our code)."""

    def __init__(self, fail: bool = False) -> None:
        self.updates: list[dict[str, Any]] = []
        self.fail = fail

    async def __call__(self, update: dict[str, Any]) -> None:
        if self.fail:
            raise RuntimeError("database is down")
        self.updates.append(update)


def headers(secret: str | None = SECRET) -> dict[str, str]:
    return {"x-telegram-bot-api-secret-token": secret} if secret is not None else {}


async def test_update_is_passed_on_and_answered_after(db):
    recorder = Recorder()
    deps = make_deps(db, on_update=recorder, **WEBHOOK)
    update = {"update_id": 7, "message": {"text": "/start", "chat": {"id": 1}}}
    async with client(deps) as http:
        response = await http.post(URL, json=update, headers=headers())
    assert response.status_code == 200 and response.json()["ok"] is True
    assert recorder.updates == [update]


@pytest.mark.parametrize("secret", [None, "", "wrong", SECRET + "x", SECRET.upper()])
async def test_wrong_or_missing_secret_is_403_and_nothing_passed(db, secret):
    recorder = Recorder()
    deps = make_deps(db, on_update=recorder, **WEBHOOK)
    async with client(deps) as http:
        response = await http.post(URL, json={"update_id": 1}, headers=headers(secret))
    assert response.status_code == 403
    assert recorder.updates == []


@pytest.mark.parametrize("body", [b"{oops", b"", b"[1]", b'"text"', b"\xff"])
async def test_malformed_body_is_acknowledged_and_skipped(db, body, caplog):
    """Not 4xx: Telegram would send it again, for ever. Logged once, passed to nobody."""
    recorder = Recorder()
    deps = make_deps(db, on_update=recorder, **WEBHOOK)
    async with client(deps) as http:
        response = await http.post(URL, content=body, headers=headers())
    assert response.status_code == 200 and response.json()["ok"] is False
    assert len([r for r in caplog.records if "skipping a webhook body" in r.getMessage()]) == 1
    assert recorder.updates == []


async def test_handler_failure_is_500_so_telegram_redelivers(db):
    deps = make_deps(db, on_update=Recorder(fail=True), **WEBHOOK)
    async with client(deps) as http:
        response = await http.post(URL, json={"update_id": 2}, headers=headers())
    assert response.status_code == 500 and response.json()["ok"] is False


@pytest.mark.parametrize("setup", [
    {"on_update": None, **WEBHOOK},  # no handler wired
    {"on_update": Recorder()},  # polling mode: no webhook configured
    {"on_update": Recorder(), "telegram_webhook_secret": SECRET},  # a secret but no URL
])
async def test_not_configured_is_404(db, setup):
    deps = make_deps(db, **setup)
    async with client(deps) as http:
        response = await http.post(URL, json={"update_id": 3}, headers=headers())
    assert response.status_code == 404
    if setup["on_update"] is not None:
        assert setup["on_update"].updates == []


async def test_only_post(db):
    deps = make_deps(db, on_update=Recorder(), **WEBHOOK)
    async with client(deps) as http:
        assert (await http.get(URL, headers=headers())).status_code == 405
