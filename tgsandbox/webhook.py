"""Webhook delivery as Telegram does it: up to `max_connections` updates in flight at once (setWebhook's,
default 40), but one chat's updates one at a time and in order; each is POSTed until the receiver answers
2xx (a failed one is tried again after a backoff, and the later updates of its chat wait for it)."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus
from typing import Any

import httpx

from .http_pool import pooled_transport
from .state import SandboxState, now_unix

log = logging.getLogger(__name__)

MAX_BACKOFF = 2.0


def _describe_status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


def chat_of(update: dict[str, Any]) -> object:
    """The chat an update belongs to (its order is kept per chat); an update of no chat stands alone."""
    for kind, payload in update.items():
        if kind == "update_id" or not isinstance(payload, dict):
            continue
        chat = payload.get("chat") or (payload.get("message") or {}).get("chat")
        if isinstance(chat, dict) and "id" in chat:
            return chat["id"]
        sender = payload.get("from")
        if isinstance(sender, dict) and "id" in sender:
            return sender["id"]
    return ("update", update.get("update_id"))


class _Deliveries:
    """The updates in flight (by update id) and the failures in a row (for the backoff)."""

    def __init__(self, state: SandboxState, client: httpx.AsyncClient) -> None:
        self.state, self.client = state, client
        self.in_flight: dict[int, asyncio.Task[None]] = {}
        self.failures = 0

    def next_update(self) -> dict[str, Any] | None:
        """The oldest pending update whose chat has nothing in flight or waiting before it, if a
        connection is free."""
        webhook = self.state.webhook
        if not webhook.url or len(self.in_flight) >= max(1, webhook.max_connections):
            return None
        blocked: set[object] = set()
        for update in self.state.updates:
            chat = chat_of(update)
            if update["update_id"] in self.in_flight or chat in blocked:
                blocked.add(chat)
                continue
            return update
        return None

    def start(self, update: dict[str, Any]) -> None:
        self.in_flight[update["update_id"]] = asyncio.create_task(self._post(update))

    async def _post(self, update: dict[str, Any]) -> None:
        state = self.state
        url = state.webhook.url
        headers = {"Content-Type": "application/json"}
        if state.webhook.secret_token:
            headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook.secret_token
        error: str | None = None
        try:
            try:
                response = await self.client.post(url, json=update, headers=headers)
                if not 200 <= response.status_code < 300:
                    error = f"Wrong response from the webhook: {_describe_status(response.status_code)}"
            except httpx.ConnectError:
                error = "Connection refused"
            except httpx.TimeoutException:
                error = "Read timeout expired"
            except httpx.HTTPError as exc:
                error = f"Connection error: {type(exc).__name__}"
            if error is None:
                self.failures = 0
                if update in state.updates:
                    state.updates.remove(update)
                state.webhook.delivered += 1
                return
            self.failures += 1
            if state.webhook.url == url:
                state.webhook.last_error_date = now_unix()
                state.webhook.last_error_message = error
            delay = min(MAX_BACKOFF, state.config.webhook_retry_seconds * 2 ** (self.failures - 1))
            await state.changes.wait_for(lambda: state.webhook.url != url, delay)
        finally:
            self.in_flight.pop(update["update_id"], None)
            state.changes.notify()


async def deliver_webhooks(state: SandboxState, client: httpx.AsyncClient | None = None) -> None:
    """Runs until cancelled or the state closes."""
    own_client = client is None
    limits = httpx.Limits(max_connections=100, max_keepalive_connections=100)
    client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0),
                                         transport=pooled_transport(limits=limits))
    deliveries = _Deliveries(state, client)
    try:
        while not state.changes.closed:
            update = await state.changes.wait_for(deliveries.next_update, 5.0)
            if update is not None and not state.changes.closed:
                deliveries.start(update)
    finally:
        for task in list(deliveries.in_flight.values()):
            task.cancel()
        await asyncio.gather(*deliveries.in_flight.values(), return_exceptions=True)
        if own_client:
            await client.aclose()
