"""Webhook delivery: POST each pending update, in order, until the receiver answers 2xx."""

from __future__ import annotations

import asyncio
import logging
from http import HTTPStatus

import httpx

from .state import SandboxState, now_unix

log = logging.getLogger(__name__)

MAX_BACKOFF = 2.0


def _describe_status(code: int) -> str:
    try:
        return f"{code} {HTTPStatus(code).phrase}"
    except ValueError:
        return str(code)


async def deliver_webhooks(state: SandboxState, client: httpx.AsyncClient | None = None) -> None:
    """Runs until cancelled or the state closes; one update in flight at a time."""
    own_client = client is None
    client = client or httpx.AsyncClient(timeout=httpx.Timeout(10.0, connect=3.0))
    failures = 0
    try:
        while not state.changes.closed:
            ready = await state.changes.wait_for(
                lambda: bool(state.webhook.url and state.updates), 5.0
            )
            if not ready or state.changes.closed:
                continue
            update = state.updates[0]
            url = state.webhook.url
            headers = {"Content-Type": "application/json"}
            if state.webhook.secret_token:
                headers["X-Telegram-Bot-Api-Secret-Token"] = state.webhook.secret_token
            error: str | None = None
            try:
                response = await client.post(url, json=update, headers=headers)
                if not 200 <= response.status_code < 300:
                    error = (
                        f"Wrong response from the webhook: {_describe_status(response.status_code)}"
                    )
            except httpx.ConnectError:
                error = "Connection refused"
            except httpx.TimeoutException:
                error = "Read timeout expired"
            except httpx.HTTPError as exc:
                error = f"Connection error: {type(exc).__name__}"
            if error is None:
                failures = 0
                if state.updates and state.updates[0] is update:
                    state.updates.pop(0)
                state.webhook.delivered += 1
                state.changes.notify()
                continue
            failures += 1
            if state.webhook.url == url:
                state.webhook.last_error_date = now_unix()
                state.webhook.last_error_message = error
            delay = min(MAX_BACKOFF, state.config.webhook_retry_seconds * 2 ** (failures - 1))
            await state.changes.wait_for(lambda u=url: state.webhook.url != u, delay)
    except asyncio.CancelledError:
        raise
    finally:
        if own_client:
            await client.aclose()
