"""GET /api/queue: the operations queue in the JSON API; its operation joins the API's table
(web.routes.api) and so the OpenAPI document."""

from __future__ import annotations

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from domain.actors import Actor
from domain.errors import DomainError
from domain.queue import metrics as queue_metrics
from domain.queue import services as queue_service
from domain.queue.query import QueueFilter
from web.api_models import answer, read_query
from web.auth import authenticate_request
from web.deps import get_deps
from web.errors import ApiError, domain_error_response, error_response
from web.openapi import Operation
from web.queue_api_models import MetricsOut, MetricsQuery, QueuePageOut, QueueQuery
from web.security import client_ip


async def get_queue(request: Request) -> Response:
    """The caller's queue: summary and one page, filtered and ordered."""
    try:
        person = await authenticate_request(request)
        q = read_query(QueueQuery, request.query_params)
        filters = QueueFilter(q.status, q.priority, q.type, q.team_id, q.assignee_id)
        page = await to_thread.run_sync(lambda: queue_service.queue(
            get_deps(request).db.uow(readonly=True), Actor.api(person.id, client_ip(request)), filters,
            sort=q.sort, desc=q.desc, limit=q.limit, offset=q.offset, full=q.full))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except DomainError as exc:
        return domain_error_response(exc)
    return JSONResponse(answer(QueuePageOut, page))


async def get_metrics(request: Request) -> Response:
    """Metrics over a period, for admins and team leads."""
    try:
        person = await authenticate_request(request)
        q = read_query(MetricsQuery, request.query_params)
        deps = get_deps(request)
        tz = person.timezone or deps.settings.timezone
        start, end = queue_metrics.period_bounds(q.period, deps.db.clock.now(), tz, q.from_, q.to)
        result = await to_thread.run_sync(lambda: queue_metrics.metrics(
            deps.db.uow(readonly=True), Actor.api(person.id, client_ip(request)), start, end, tz))
    except ApiError as exc:
        return error_response(exc.status, exc.code, exc.message, exc.headers)
    except DomainError as exc:
        return domain_error_response(exc)
    return JSONResponse(answer(MetricsOut, result))


OPERATIONS = [
    Operation("GET", "/queue", "getQueue",
              "The operations queue: open tickets and tasks you may see (admins all; team leads their teams' "
              "tickets; everyone their own items), filtered, ordered by time to breach, priority, age or due "
              "time, and paged.", get_queue, QueuePageOut, "The summary and one page.",
              errors={400: "A query parameter is malformed.", 401: "Missing or invalid API token."},
              query=QueueQuery, name="api_queue"),
    Operation("GET", "/metrics", "getMetrics",
              "Metrics over a period (today, week, month, custom): counts by status and priority, SLA at risk, "
              "breached and compliance, median and 90th percentile first-response and resolution times (seconds), "
              "workload per person and team, trend per day. Admins and team leads.", get_metrics, MetricsOut,
              "The metrics.", errors={400: "A query parameter is malformed.", 401: "Missing or invalid API token.",
                                      403: "Only admins and team leads.",
                                      422: "A custom period without its days, or longer than a year."},
              query=MetricsQuery, name="api_metrics"),
]
