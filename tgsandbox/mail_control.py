"""The control API's mail part under `/sandbox/mail`: list, read and clear emails; refuse; take SMTP down/up."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .mailbox import ANY_ADDRESS, Mailbox


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        return {}
    data = await request.json()
    if not isinstance(data, dict):
        raise ValueError("body must be a JSON object")
    return data


def mail_routes(mailbox: Mailbox) -> list[Route]:
    """Routes for the Mailbox tab and for tests."""

    async def list_mail(request: Request) -> Response:
        to = request.query_params.get("to")
        emails = mailbox.to(to) if to else list(mailbox.emails)
        return JSONResponse({**mailbox.status(), "emails": [e.summary() for e in reversed(emails)]})

    async def read(request: Request) -> Response:
        try:
            return JSONResponse(mailbox.get(int(request.path_params["email_id"])).as_control())
        except LookupError as error:
            return JSONResponse({"error": str(error)}, 404)

    async def html(request: Request) -> Response:
        """The HTML part alone, for the tab's sandboxed iframe; its scripts may not run."""
        try:
            email = mailbox.get(int(request.path_params["email_id"]))
        except LookupError as error:
            return JSONResponse({"error": str(error)}, 404)
        page = '<base target="_blank">' + (email.html or "")  # its links open a new tab, not in the frame
        return Response(page, media_type="text/html", headers={
            "Content-Security-Policy": "sandbox allow-popups allow-popups-to-escape-sandbox; script-src 'none'",
            "X-Content-Type-Options": "nosniff"})

    async def clear(request: Request) -> Response:
        mailbox.clear()
        return JSONResponse(mailbox.status())

    async def refuse(request: Request) -> Response:
        """{"address": "x@y" or "*", "code": 550 or 451, "text": ..., "times": n}."""
        try:
            body = await _body(request)
            times = body.get("times")
            mailbox.refuse(str(body.get("address") or ANY_ADDRESS), int(body.get("code", 550)),
                           body.get("text"), None if times is None else int(times))
        except (TypeError, ValueError) as error:
            return JSONResponse({"error": str(error)}, 400)
        return JSONResponse(mailbox.status())

    async def accept(request: Request) -> Response:
        """{"address": "x@y"} stops refusing it; an empty body stops every refusal."""
        try:
            body = await _body(request)
        except ValueError as error:
            return JSONResponse({"error": str(error)}, 400)
        mailbox.accept(body.get("address"))
        return JSONResponse(mailbox.status())

    def switch(up: bool) -> Any:
        async def handler(request: Request) -> Response:
            server = mailbox.server
            if server is None:
                return JSONResponse({"error": "no SMTP server runs in this sandbox"}, 409)
            await asyncio.to_thread(server.start if up else server.stop)
            return JSONResponse(mailbox.status())

        return handler

    return [
        Route("/sandbox/mail", list_mail, methods=["GET"]),
        Route("/sandbox/mail", clear, methods=["DELETE"]),
        Route("/sandbox/mail/refuse", refuse, methods=["POST"]),
        Route("/sandbox/mail/accept", accept, methods=["POST"]),
        Route("/sandbox/mail/down", switch(False), methods=["POST"]),
        Route("/sandbox/mail/up", switch(True), methods=["POST"]),
        Route("/sandbox/mail/{email_id:int}", read, methods=["GET"]),
        Route("/sandbox/mail/{email_id:int}/html", html, methods=["GET"]),
    ]
