"""The JSON API under /api: token-authenticated, same domain services as the Telegram buttons.

Queries, bodies and answers are the pydantic models of web.api_models; the operations table below
makes both the routes and the OpenAPI document (/api/openapi.json).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import wraps

from anyio import to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from domain import idempotency
from domain.actors import Actor
from domain.errors import DomainError
from domain.tasks import queries as task_queries
from domain.tasks import services as tasks
from domain.tasks.queries import TaskFilter, TaskOrder
from web.api_models import (
    AssignmentRequest,
    AssignmentResult,
    Health,
    PersonTasksQuery,
    TaskListQuery,
    TaskPage,
    Transition,
    answer,
    read_body,
    read_query,
)
from web.auth import authenticate_request
from web.deps import get_deps
from web.errors import ApiError, domain_error_response, error_response
from web.forms import parse_id
from web.idempotency import keyed, respond
from web.openapi import Operation, openapi_document
from web.routes import desk_api, queue_api, risk_api
from web.security import client_ip, user_agent

Handler = Callable[[Request], Awaitable[Response]]


def json_errors(handler: Handler) -> Handler:
    """Map ApiError and domain errors to the JSON error shape."""

    @wraps(handler)
    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc.status, exc.code, exc.message, exc.headers)
        except DomainError as exc:
            return domain_error_response(exc)

    return wrapped


def _path_id(request: Request, name: str, what: str) -> int:
    value = parse_id(request.path_params[name])
    if value is None:
        raise ApiError(404, "not_found", f"No such {what}.")
    return value


async def _actor(request: Request) -> Actor:
    """The authenticated caller as an actor."""
    person = await authenticate_request(request)
    return Actor.web(person.id, client_ip(request), user_agent(request))


# --- endpoints ------------------------------------------------------------------------------

async def api_health(request: Request) -> JSONResponse:
    """The API answers."""
    return JSONResponse(Health().model_dump(mode="json"))


async def schema(request: Request) -> JSONResponse:
    """The OpenAPI document, generated from the operations and their models."""
    return JSONResponse(openapi_document(OPERATIONS, get_deps(request).settings.app_base_url))


@json_errors
async def list_tasks(request: Request) -> Response:
    """Tasks the caller may see, filtered and paged."""
    actor = await _actor(request)
    q = read_query(TaskListQuery, request.query_params)
    filters = TaskFilter(status=q.status, assignee_id=q.assignee_id, group_id=q.group_id,
                         assignment_id=q.assignment_id, due_from=q.due_from, due_to=q.due_to)
    page = await to_thread.run_sync(lambda: task_queries.search_tasks(
        get_deps(request).db.uow(readonly=True), actor, filters, order=TaskOrder.DUE, limit=q.limit,
        offset=q.offset))
    return JSONResponse(answer(TaskPage, page))


@json_errors
async def person_tasks(request: Request) -> Response:
    """One person's tasks, paged."""
    actor = await _actor(request)
    person_id = _path_id(request, "person_id", "person")
    q = read_query(PersonTasksQuery, request.query_params)
    page = await to_thread.run_sync(lambda: task_queries.person_tasks(
        get_deps(request).db.uow(readonly=True), actor, person_id, q.status, limit=q.limit, offset=q.offset))
    return JSONResponse(answer(TaskPage, page))


def _transition(service: Callable[..., tasks.TransitionResult]) -> Handler:
    @json_errors
    async def handler(request: Request) -> Response:
        """Start or complete one of the caller's own tasks."""
        actor = await _actor(request)
        task_id = _path_id(request, "task_id", "task")
        once = await keyed(request, actor, Transition, 200)
        db = get_deps(request).db
        outcome = await to_thread.run_sync(
            idempotency.perform, db, once, lambda o: service(db.uow(), actor, task_id, o))
        return respond(outcome, Transition, 200)

    handler.__name__ = service.__name__
    return handler


@json_errors
async def create_assignment(request: Request) -> Response:
    """Assign a task to people and groups."""
    actor = await _actor(request)
    once = await keyed(request, actor, AssignmentResult, 201)
    body = read_body(AssignmentRequest, await request.body())
    spec = tasks.AssignmentSpec(**body.model_dump())
    db = get_deps(request).db
    outcome = await to_thread.run_sync(
        idempotency.perform, db, once, lambda o: tasks.assign(db.uow(), actor, spec, o))
    return respond(outcome, AssignmentResult, 201)


# --- the operations: routes and document ----------------------------------------------------

UNAUTHORISED = {401: "Missing or invalid API token."}
BAD_QUERY = {400: "A query parameter is malformed."}


def _transition_op(verb: str, service: Callable[..., tasks.TransitionResult]) -> Operation:
    return Operation(
        "POST", f"/tasks/{{task_id}}/{verb}", f"{verb}Task",
        f"{verb.title()} one of your own tasks (the same action as the Telegram button).",
        _transition(service), Transition,
        "The task after the call; `changed` is false when it was already in that state.",
        errors={**UNAUTHORISED, 403: "The task is someone else's.", 404: "No such task.",
                409: "The task's state does not allow this (for example it was cancelled)."},
        path_params=("task_id",), idempotent=True)


OPERATIONS = [
    Operation("GET", "/health", "health", "The API answers.", api_health, Health, "OK.", secured=False,
              name="api_health"),
    Operation("GET", "/tasks", "listTasks",
              "Tasks you may see: admins all, teachers those they assigned or of the members of the "
              "groups they run.", list_tasks, TaskPage, "One page of tasks, soonest due first.",
              errors={**BAD_QUERY, **UNAUTHORISED, 403: "Only admins and teachers may list tasks."},
              query=TaskListQuery, name="api_tasks"),
    Operation("GET", "/people/{person_id}/tasks", "personTasks",
              "One person's tasks: for themself, admins, and teachers running a group the person is in.",
              person_tasks, TaskPage, "One page of the person's tasks.",
              errors={**BAD_QUERY, **UNAUTHORISED, 403: "You may not see this person's tasks.",
                      404: "No such person."},
              query=PersonTasksQuery, path_params=("person_id",), name="api_person_tasks"),
    _transition_op("start", tasks.start_task),
    _transition_op("complete", tasks.complete_task),
    Operation("POST", "/assignments", "createAssignment",
              "Assign a task to people and groups: one task per distinct active person.",
              create_assignment, AssignmentResult, "Created.", status=201,
              errors={**UNAUTHORISED,
                      403: "Only admins, and teachers within the groups they run, may assign.",
                      404: "A group does not exist.", 413: "The body is too large.",
                      422: "The body is not valid (malformed JSON, wrong types, unknown values, a due "
                           "time in the past, nobody active chosen)."},
              body=AssignmentRequest, name="api_assignments", idempotent=True),
    *desk_api.OPERATIONS,
    *queue_api.OPERATIONS,
    *risk_api.OPERATIONS,
]

routes = [
    *(Route(op.path, op.handler, methods=[op.method], name=op.name) for op in OPERATIONS),
    Route("/openapi.json", schema, methods=["GET"], name="openapi"),
]
