"""Response headers, same-origin checks and CSRF tokens bound to a signed link."""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from urllib.parse import urlsplit

from starlette.datastructures import MutableHeaders
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from adapters.settings import Settings
from web.deps import get_deps

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


IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.lru_cache(maxsize=8)
def _trusted(setting: str) -> tuple[bool, tuple[IPNetwork, ...]]:
    """FORWARDED_ALLOW_IPS parsed: (every peer trusted, the trusted networks)."""
    items = [item.strip() for item in setting.split(",") if item.strip()]
    return "*" in items, tuple(ipaddress.ip_network(i, strict=False) for i in items if i != "*")


def _is_trusted(host: str, setting: str) -> bool:
    everyone, networks = _trusted(setting)
    if everyone:
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in network for network in networks)


def forwarded_client(peer: str | None, forwarded_for: list[str], setting: str) -> str | None:
    """The client address: the peer's, unless the peer is a trusted proxy (FORWARDED_ALLOW_IPS);
    then the nearest address in X-Forwarded-For that is not itself a trusted proxy (as uvicorn does)."""
    if peer is None or not setting or not forwarded_for or not _is_trusted(peer, setting):
        return peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",") if hop.strip()]
    if not hops:
        return peer
    for hop in reversed(hops):
        if not _is_trusted(hop, setting):
            return hop[:45]
    return hops[0][:45]


def client_ip(request: Request) -> str | None:
    """The client address for limits and the audit log: the peer's, or, when the peer is one of the
    FORWARDED_ALLOW_IPS proxies, the one its X-Forwarded-For header names."""
    peer = request.client.host if request.client else None
    setting = get_deps(request).settings.forwarded_allow_ips
    return forwarded_client(peer, request.headers.getlist("x-forwarded-for"), setting)


def user_agent(request: Request) -> str | None:
    """The request's User-Agent header (kept beside the IP in the audit log)."""
    return request.headers.get("user-agent") or None
