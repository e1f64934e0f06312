"""Operations endpoints: readiness and Prometheus metrics (closed to the public unless configured)."""

from __future__ import annotations

import hmac
import ipaddress

from anyio import to_thread
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from adapters import migrations
from web.deps import WebDeps, get_deps


def _ready_state(deps: WebDeps) -> tuple[bool, str]:
    try:
        current = migrations.current_revision(deps.db.engine)
    except Exception as exc:  # the answer is the reason, never a traceback
        return False, f"database unreachable: {type(exc).__name__}"
    head = migrations.head_revision()
    if current != head:
        return False, f"database at {current or 'no revision'}, code expects {head}"
    return True, str(head)


async def ready(request: Request) -> JSONResponse:
    """Ready when the database is at the code's migration head."""
    ok, detail = await to_thread.run_sync(_ready_state, get_deps(request))
    if ok:
        return JSONResponse({"status": "ready", "revision": detail})
    return JSONResponse({"status": "not ready", "reason": detail}, status_code=503)


def _allowed(request: Request) -> bool:
    token = get_deps(request).settings.metrics_token
    if token:
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        return hmac.compare_digest(given.encode(), token.get_secret_value().encode())
    host = request.client.host if request.client else ""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


async def metrics(request: Request) -> Response:
    """Prometheus metrics (loopback or METRICS_TOKEN)."""
    if not _allowed(request):
        return PlainTextResponse("Metrics are not public: set METRICS_TOKEN and send it as a bearer token.", 403)
    registry = request.app.state.metrics.registry
    body = await to_thread.run_sync(generate_latest, registry)
    return Response(body, media_type=CONTENT_TYPE_LATEST)


routes = [Route("/ready", ready, name="ready"), Route("/metrics", metrics, name="metrics")]
