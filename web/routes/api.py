"""The JSON API under /api: token-authenticated, same domain services as the Telegram buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import wraps
from typing import Any

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain.actors import Actor
from domain.errors import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.models import Priority, TaskStatus
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tasks.queries import MAX_PAGE, TaskFilter, TaskOrder, TaskPage, TaskRow
from web.auth import authenticate_request
from web.deps import get_deps
from web.openapi import openapi_schema
from web.security import client_ip
from web.validation import (
    ApiError,
    field_bool,
    field_enum,
    field_ids,
    field_int,
    field_str,
    field_time,
    json_object,
    parse_id,
    query_enum,
    query_id,
    query_int,
    query_time,
)

Handler = Callable[[Request], Awaitable[Response]]

_DOMAIN_STATUS = ((NotFound, 404), (Forbidden, 403), (IllegalTransition, 409), (InvalidInput, 422))


def error_response(status: int, code: str, message: str, headers: dict[str, str] | None = None
                   ) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status, headers=headers)


def json_errors(handler: Handler) -> Handler:
    """Map ApiError and domain errors to the JSON error shape."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        except DomainError as exc:
            status = next((s for kind, s in _DOMAIN_STATUS if isinstance(exc, kind)), 400)
            return error_response(status, exc.code, exc.message)

    return wrapped


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def task_json(task: TaskRow, *, names: bool = True) -> dict[str, Any]:
    """A task as the API shows it; `names` adds the assignee's and assigner's (listings only)."""
    data: dict[str, Any] = {
        "id": task.id, "assignment_id": task.assignment_id, "title": task.title,
        "description": task.description, "priority": task.priority.value, "status": task.status.value,
        "due_at": _time(task.due_at), "requires_review": task.requires_review,
        "assignee_id": task.assignee_id, "assigner_id": task.assigner_id,
        "created_at": _time(task.created_at), "updated_at": _time(task.updated_at),
        "started_at": _time(task.started_at), "completed_at": _time(task.completed_at),
        "resolved_at": _time(task.resolved_at), "cancelled_at": _time(task.cancelled_at),
        "reopen_count": task.reopen_count, "last_note": task.last_note,
    }
    if names:
        data["assignee_name"] = task.assignee_name
        data["assigner_name"] = task.assigner_name
    return data


def page_json(page: TaskPage) -> dict[str, Any]:
    return {"total": page.total, "limit": page.limit, "offset": page.offset,
            "items": [task_json(t) for t in page.items]}


def _path_id(request: Request, name: str, what: str) -> int:
    value = parse_id(request.path_params[name])
    if value is None:
        raise ApiError(404, "not_found", f"No such {what}.")
    return value


def _paging(request: Request) -> tuple[int, int]:
    params = request.query_params
    return (query_int(params, "limit", 50, 1, MAX_PAGE),
            query_int(params, "offset", 0, 0, 2**31 - 1))


async def _actor(request: Request) -> Actor:
    person = await authenticate_request(request)
    return Actor.web(person.id, client_ip(request))


# --- endpoints ------------------------------------------------------------------------------

async def api_health(request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


async def schema(request: Request) -> JSONResponse:
    return JSONResponse(openapi_schema(get_deps(request).settings.app_base_url))


@json_errors
async def list_tasks(request: Request) -> Response:
    actor = await _actor(request)
    params = request.query_params
    filters = TaskFilter(
        status=query_enum(params, TaskStatus, "status"),
        assignee_id=query_id(params, "assignee_id"),
        group_id=query_id(params, "group_id"),
        assignment_id=query_id(params, "assignment_id"),
        due_from=query_time(params, "due_from"),
        due_to=query_time(params, "due_to"),
    )
    limit, offset = _paging(request)
    page = await to_thread.run_sync(lambda: task_queries.search_tasks(
        get_deps(request).db.uow(readonly=True), actor, filters, order=TaskOrder.DUE, limit=limit, offset=offset))
    return JSONResponse(page_json(page))


@json_errors
async def person_tasks(request: Request) -> Response:
    actor = await _actor(request)
    person_id = _path_id(request, "person_id", "person")
    status = query_enum(request.query_params, TaskStatus, "status")
    limit, offset = _paging(request)
    page = await to_thread.run_sync(lambda: task_queries.person_tasks(
        get_deps(request).db.uow(readonly=True), actor, person_id, status, limit=limit, offset=offset))
    return JSONResponse(page_json(page))


def _transition(service: Callable[..., tasks.TransitionResult]) -> Handler:
    @json_errors
    async def handler(request: Request) -> Response:
        actor = await _actor(request)
        task_id = _path_id(request, "task_id", "task")
        result = await to_thread.run_sync(service, get_deps(request).db.uow(), actor, task_id)
        return JSONResponse({"task": task_json(result.task, names=False), "changed": result.changed,
                             "message": result.message})

    handler.__name__ = service.__name__
    return handler


ASSIGNMENT_FIELDS = {"title", "description", "person_ids", "group_ids", "due_at", "priority",
                     "requires_review", "reminder_lead_minutes", "reminder_every_hours"}


@json_errors
async def create_assignment(request: Request) -> Response:
    actor = await _actor(request)
    data = json_object(await request.body(), ASSIGNMENT_FIELDS, {"title"})
    spec = tasks.AssignmentSpec(
        title=field_str(data, "title"),
        description=field_str(data, "description"),
        person_ids=field_ids(data, "person_ids"),
        group_ids=field_ids(data, "group_ids"),
        due_at=field_time(data, "due_at"),
        priority=field_enum(data, Priority, "priority", Priority.NORMAL),
        requires_review=field_bool(data, "requires_review"),
        reminder_lead_minutes=field_int(data, "reminder_lead_minutes"),
        reminder_every_hours=field_int(data, "reminder_every_hours"),
    )
    result = await to_thread.run_sync(tasks.assign, get_deps(request).db.uow(), actor, spec)
    return JSONResponse({"assignment_id": result.assignment_id, "task_count": result.task_count,
                         "skipped_person_ids": result.skipped_person_ids}, 201)


routes = [
    Route("/health", api_health, methods=["GET"], name="api_health"),
    Route("/openapi.json", schema, methods=["GET"], name="openapi"),
    Route("/tasks", list_tasks, methods=["GET"], name="api_tasks"),
    Route("/people/{person_id}/tasks", person_tasks, methods=["GET"], name="api_person_tasks"),
    Route("/tasks/{task_id}/start", _transition(tasks.start_task), methods=["POST"]),
    Route("/tasks/{task_id}/complete", _transition(tasks.complete_task), methods=["POST"]),
    Route("/assignments", create_assignment, methods=["POST"], name="api_assignments"),
]
