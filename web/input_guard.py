"""The web's first check on every request: query strings and urlencoded form bodies must be text we can
store (forms.field_problem). A NUL byte, a control character or broken Unicode is refused here, 400 for
a query string and 422 for a form, before any route reads a field; JSON bodies are checked by
api_models.read_body. Multipart forms (file uploads) are checked by the console (web.console)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from web.errors import error_response
from web.forms import field_problem
from web.pages import refusal

FORM_TYPE = b"application/x-www-form-urlencoded"
MAX_FORM_BYTES = 2 * 1024 * 1024


def _pairs(raw: bytes) -> list[tuple[str, str]]:
    """Fields as Starlette reads them (percent-decoded as UTF-8, undecodable bytes replaced)."""
    return parse_qsl(raw.decode("latin-1"), keep_blank_values=True)


class InputGuard:
    """Refuses requests whose query string or urlencoded form has a field we cannot store."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = field_problem(_pairs(scope.get("query_string", b"")))
        if problem is not None:
            await self._refuse(scope, receive, send, 400, problem)
            return
        content_type = dict(scope["headers"]).get(b"content-type", b"")
        if content_type.split(b";")[0].strip().lower() != FORM_TYPE:
            await self.app(scope, receive, send)
            return
        body, messages = b"", []
        while True:
            message = await receive()
            messages.append(message)
            if message["type"] != "http.request":
                break
            body += message.get("body", b"")
            if not message.get("more_body", False) or len(body) > MAX_FORM_BYTES:
                break
        problem = field_problem(_pairs(body)) if len(body) <= MAX_FORM_BYTES else None
        if problem is not None:
            await self._refuse(scope, receive, send, 422, problem)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)

    @staticmethod
    async def _refuse(scope: Scope, receive: Receive, send: Send, status: int, message: str) -> None:
        path = scope.get("path", "")
        if path.startswith(("/api/", "/telegram/")) or path == "/api" or path.endswith("/state"):
            code = "bad_request" if status == 400 else "invalid_input"
            response = error_response(status, code, message)
        else:
            response = refusal(Request(scope, receive), status, message, hint=False)
        await response(scope, receive, send)
