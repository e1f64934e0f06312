"""Telegram webhook: check the secret header, hand the update to the bot, answer once it is taken.

A body that is no update is acknowledged and skipped (logged once): any answer but 2xx makes Telegram
send the same body again, for ever. A failure while handling a real update is 500, so it is redelivered."""

from __future__ import annotations

import hmac
import json
import logging

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from web.deps import get_deps

log = logging.getLogger(__name__)
SECRET_HEADER = "x-telegram-bot-api-secret-token"
MAX_UPDATE_BYTES = 1024 * 1024


def _answer(status: int, description: str) -> JSONResponse:
    return JSONResponse({"ok": status == 200, "description": description}, status)


async def telegram_webhook(request: Request) -> JSONResponse:
    """Take one Telegram update (secret header checked) and hand it to the bot."""
    deps = get_deps(request)
    secret = deps.settings.webhook_secret
    if not deps.settings.telegram_webhook_url or not secret or deps.on_telegram_update is None:
        return _answer(404, "Webhook mode is not configured.")
    given = request.headers.get(SECRET_HEADER, "")
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return _answer(403, "Wrong secret token.")
    body = await request.body()
    if len(body) > MAX_UPDATE_BYTES:
        return _answer(413, "Update too large.")
    try:
        update = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        update = None
    if not isinstance(update, dict):  # acknowledged (200), so that Telegram does not send it again and again
        log.warning("skipping a webhook body that is not a JSON object (%d bytes)", len(body))
        return JSONResponse({"ok": False, "description": "Skipped: an update must be a JSON object."})
    counter = request.app.state.metrics.updates
    try:
        await deps.on_telegram_update(update)
    except Exception:  # Telegram redelivers on a non-2xx answer
        log.exception("handling Telegram update %s failed", update.get("update_id"))
        counter.labels("failed").inc()
        return _answer(500, "The update could not be handled; please redeliver.")
    counter.labels("handled").inc()
    return _answer(200, "Taken.")


routes = [Route("/telegram/webhook", telegram_webhook, methods=["POST"], name="telegram_webhook")]
