"""Response headers, same-origin checks and CSRF tokens bound to a signed link."""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.settings import Settings

CSP = ("default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
       "connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
DEFAULT_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    # Links carry their token in the path: never send it to another site. (Not "no-referrer":
    # with it browsers send `Origin: null` on our own form posts.)
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """Adds the default security headers to every HTTP response that does not set its own."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in DEFAULT_HEADERS.items():
                    headers.setdefault(name, value)
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def is_same_origin(request: Request, settings: Settings) -> bool:
    """Refuse requests a browser marks cross-site or sends from another origin."""
    fetch_site = request.headers.get("sec-fetch-site", "").lower()
    if fetch_site == "cross-site":
        return False
    if fetch_site == "same-origin":  # set by the browser, not by page scripts
        return True
    origin = request.headers.get("origin")
    if origin is None:  # older browsers; the CSRF token still guards the request
        return True
    return origin.lower() in {_origin(settings.app_base_url), _origin(str(request.base_url))}


def _mac(key: str, link_token: str) -> str:
    return hmac.new(key.encode(), b"taskbell.csrf\x00" + link_token.encode(), hashlib.sha256).hexdigest()


def csrf_token(keys: tuple[str, ...], link_token: str) -> str:
    """The form token for pages opened through `link_token` (newest key)."""
    return _mac(keys[-1], link_token)


def csrf_valid(keys: tuple[str, ...], link_token: str, given: str | None) -> bool:
    if not given or len(given) != 64:
        return False
    return any(hmac.compare_digest(given, _mac(k, link_token)) for k in keys)


def client_ip(request: Request) -> str | None:
    """The peer address as the server saw it (X-Forwarded-For is not trusted)."""
    return request.client.host if request.client else None
