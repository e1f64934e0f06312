"""The real bot against the sandbox Bot API server: harness shared by the bot tests."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from telegram.ext import Application

from adapters.settings import Settings
from bot.app import build_application, build_delivery
from bot.delivery import DeliveryConfig, DeliveryLoop
from bot.deps import BotDeps
from domain.links import LinkSigner
from domain.tokens import Signer
from domain.uow import Database
from tgsandbox.client import SandboxClient
from tgsandbox.server import SandboxServer

TOKEN = "123456:TEST-TOKEN"
KEY = "test-secret-key-0123456789"


def running_sandbox(token: str = TOKEN, **config: Any) -> Iterator[SandboxServer]:
    """A sandbox Bot API server on a free port for as long as the fixture lives (`yield from` it)."""
    server = SandboxServer(token=token, **config)
    server.start()
    yield server
    server.stop()


def settings_for(database_url: str, api_base: str) -> Settings:
    return Settings(database_url=database_url, secret_keys=(KEY,), timezone="Europe/London",
                    telegram_bot_token=TOKEN, telegram_api_base=api_base)


def bot_deps(settings: Settings, db: Database) -> BotDeps:
    """The bot's dependencies as the composition root makes them."""
    return BotDeps(settings=settings, db=db, signer=Signer(settings.secret_keys),
                   links=LinkSigner(settings.secret_keys))


@dataclass
class RunningBot:
    app: Application
    deps: BotDeps
    delivery: DeliveryLoop

    async def stop(self) -> None:
        await self.delivery.stop()
        if self.app.updater and self.app.updater.running:
            await self.app.updater.stop()
        if self.app.running:
            await self.app.stop()
        await self.app.shutdown()


async def start_bot(db: Database, api_base: str, *, polling: bool = True,
                    delivery: DeliveryConfig | None = None) -> RunningBot:
    settings = settings_for(str(db.engine.url), api_base)
    deps = bot_deps(settings, db)
    app = build_application(deps, TOKEN, api_base, per_second=delivery.per_second if delivery else 30.0)
    await app.initialize()
    await app.post_init(app)  # type: ignore[misc]
    await app.start()
    if polling and app.updater:
        await app.updater.start_polling(poll_interval=0.0, timeout=1, drop_pending_updates=True)
    return RunningBot(app, deps, build_delivery(app, deps, delivery))


async def reply_after(client: SandboxClient, chat_id: int, action, timeout: float = 10) -> dict:
    """Do `action` (a coroutine) and return the bot's first message after it."""
    before = await client.messages(chat_id)
    last = max((m["message_id"] for m in before), default=0)
    await action
    for _ in range(3):
        message = await client.wait_for_bot_message(chat_id, after_message_id=last, timeout=timeout)
        if message["from_bot"]:
            return message
        last = message["message_id"]  # pragma: no cover - the user's own message
    raise AssertionError("no reply")


async def settle() -> None:
    await asyncio.sleep(0)
