"""The web application: `create_app(deps)` builds it; nothing is built at import time."""

from __future__ import annotations

import logging
from pathlib import Path

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount
from starlette.staticfiles import StaticFiles

from web.deps import WebDeps
from web.input_guard import InputGuard
from web.metrics import Metrics, MetricsMiddleware
from web.page_cache import PageCache
from web.pages import make_templates, refusal
from web.routes import (
    alerts,
    announcements,
    api,
    attendance,
    audit,
    backups,
    batches,
    channels,
    classes,
    dashboard,
    delivery,
    email_actions,
    engagement,
    fees,
    files,
    groups,
    health,
    home,
    homework,
    inbox,
    insights,
    login,
    login_email,
    marks,
    ops,
    people,
    people_email,
    permissions,
    portal,
    queue,
    queue_metrics,
    reassign,
    referrals,
    reopen,
    reports,
    requests,
    risk,
    settings,
    sla,
    tasks,
    teams,
    ticket_new,
    tickets,
    verify_email,
    webhook,
)
from web.routes.api import error_response
from web.security import SecurityHeaders

log = logging.getLogger(__name__)
STATIC_DIR = Path(__file__).parent / "static"


def _wants_json(request: Request) -> bool:
    path = request.url.path
    return path.startswith("/api/") or path == "/api" or path.startswith("/telegram/") \
        or path.endswith("/state")


async def http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    message = {404: "There is nothing at this address.",
               405: "This address does not take that method."}.get(exc.status_code, str(exc.detail))
    if _wants_json(request):
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return error_response(exc.status_code, code, message, dict(exc.headers or {}))
    return refusal(request, exc.status_code, message)


def _redacted(path: str) -> str:
    """The path with long segments (link tokens) cut out: tokens never reach the logs."""
    return "/".join(part if len(part) <= 16 else "…" for part in path.split("/"))


async def server_error(request: Request, exc: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, _redacted(request.url.path), exc_info=exc)
    if _wants_json(request):
        return error_response(500, "internal_error", "Something went wrong on our side.")
    return refusal(request, 500, "Something went wrong on our side. Please try again in a moment.")


def create_app(deps: WebDeps) -> Starlette:
    metrics = Metrics(deps.db)
    app = Starlette(
        routes=[
            *home.routes,
            *health.routes,
            *ops.routes,
            *dashboard.routes,
            *portal.routes,  # the read-only pages for students and parents
            *email_actions.routes,
            *channels.routes,
            *verify_email.routes,
            *login.routes,
            *login_email.routes,
            *people.routes,  # the console: people, groups, tasks (and /admin), insights, audit
            *people_email.routes,
            *permissions.routes,
            *groups.routes,
            *tasks.routes,
            *reassign.routes,
            *insights.routes,
            *audit.routes,
            *inbox.routes,
            *alerts.routes,
            *announcements.routes,
            *fees.routes,
            *classes.routes,
            *reopen.routes,
            *batches.routes,
            *marks.routes,
            *referrals.routes,
            *homework.routes,
            *risk.routes,
            *reports.routes,
            *backups.routes,
            *settings.routes,
            *sla.routes,
            *delivery.routes,
            *attendance.routes,
            *ticket_new.routes,  # the service desk (before /admin/tickets/{id})
            *tickets.routes,  # the service desk: tickets, teams, a requester's signed link
            *teams.routes,
            *queue.routes,
            *queue_metrics.routes,
            *engagement.routes,  # the engagement risk model's card, people, profiles, insights
            *requests.routes,
            *webhook.routes,
            *files.routes,
            Mount("/api", routes=api.routes),
            Mount("/static", app=StaticFiles(directory=STATIC_DIR), name="static"),
        ],
        middleware=[Middleware(MetricsMiddleware, metrics=metrics), Middleware(SecurityHeaders),
                    Middleware(InputGuard)],
        exception_handlers={HTTPException: http_error, Exception: server_error},
    )
    app.state.deps = deps
    app.state.metrics = metrics
    app.state.templates = make_templates()
    app.state.page_cache = PageCache()  # rendered dashboards, kept while unchanged (web.page_cache)
    return app
