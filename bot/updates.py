"""Updates as they arrive, by polling or by the webhook: one that python-telegram-bot cannot parse is logged
once and stands in as a bare Update of its id, so that it is acknowledged and skipped, never read again.

Polling: PTB parses a getUpdates batch as a whole; one bad update fails the batch, the offset does not move
and the same batch is fetched again, for ever. `SkippingRequest`, the connection getUpdates goes through,
hands PTB each bad update as `{"update_id": n}` (the offset moves past it). Webhook: `update_receiver`
parses one update the same way before the bot's handlers see it, so the web app answers 200 and Telegram
does not redeliver it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from telegram import Update
from telegram.ext import Application, BaseUpdateProcessor
from telegram.request import RequestData

from bot.transport import PooledRequest

log = logging.getLogger(__name__)


def _update_id(data: object) -> int | None:
    value = data.get("update_id") if isinstance(data, dict) else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def checked(data: object) -> dict[str, Any] | None:
    """The raw update if PTB can parse it; else (logged once) a bare one of its id, or None without an id."""
    try:
        Update.de_json(data, None)  # type: ignore[arg-type]
        return data  # type: ignore[return-value]
    except Exception as exc:  # any shape PTB does not expect
        update_id = _update_id(data)
        log.warning("skipping update %s: it could not be parsed (%s: %s)", update_id, type(exc).__name__, exc)
        return None if update_id is None else {"update_id": update_id}


class SkippingRequest(PooledRequest):
    """The getUpdates connection: every update of a batch is checked alone before PTB parses the batch."""

    async def post(self, url: str, request_data: RequestData | None = None, **kwargs: Any) -> Any:
        """As HTTPXRequest's, with unparseable updates of a getUpdates answer made bare."""
        result = await super().post(url, request_data, **kwargs)
        if url.endswith("/getUpdates") and isinstance(result, list):
            result = [u for u in map(checked, result) if u is not None]
        return result


def update_receiver(app: Application) -> Callable[[dict[str, Any]], Awaitable[None]]:  # type: ignore[type-arg]
    """For the webhook: hand one raw update to the bot; an unparseable one is skipped (logged once)."""

    async def receive(data: dict[str, Any]) -> None:
        """Parse, then process through the update processor (concurrently with other chats' updates, after
        this chat's earlier ones); returns once handled. A bare update only passes the dedupe ledger."""
        good = checked(data)
        if good is not None:
            update = Update.de_json(good, app.bot)
            await app.update_processor.process_update(update, app.process_update(update))

    return receive


class PerChatUpdates(BaseUpdateProcessor):
    """Up to `max_concurrent_updates` updates at once, but one at a time per chat: a conversation's steps never
    overlap (a message typed right after a button press waits for the press to move the conversation on,
    and a double tap on Confirm is handled twice in turn, the second finding the step over)."""

    def __init__(self, max_concurrent_updates: int) -> None:
        super().__init__(max_concurrent_updates)
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # chat: its lock, and how many hold or wait
        self._at_shutdown: list[Callable[[], Awaitable[None]]] = []

    def at_shutdown(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run `close` when the application shuts down (after the last update was handled)."""
        self._at_shutdown.append(close)

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        """Run the update's handlers once no earlier update of its chat is running."""
        chat = update.effective_chat if isinstance(update, Update) else None
        if chat is None:
            await coroutine
            return
        lock, users = self._chats.get(chat.id, (asyncio.Lock(), 0))
        self._chats[chat.id] = (lock, users + 1)
        try:
            async with lock:
                await coroutine
        finally:
            lock, users = self._chats[chat.id]
            if users <= 1:
                del self._chats[chat.id]
            else:
                self._chats[chat.id] = (lock, users - 1)

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Run what was registered with `at_shutdown` (the dedupe ledger's last write)."""
        for close in self._at_shutdown:
            await close()
