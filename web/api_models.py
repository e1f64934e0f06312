"""The JSON API's query strings, bodies and answers, declared once as pydantic models.

Request validation, the JSON answers and the OpenAPI document (web.openapi) all come from these.
Every check runs before pydantic's own (mode="before") so the messages are ours: the same words the
console and the bot use, naming the field.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    ValidationError,
    ValidationInfo,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from domain import textinput
from domain.models import Priority, TaskStatus
from domain.tasks.queries import MAX_PAGE
from domain.tasks.services import MAX_DESCRIPTION, MAX_TITLE
from web import forms
from web.errors import ApiError, bad_query, invalid
from web.forms import MAX_ID, FieldError

MAX_BODY = 64 * 1024
MAX_IDS = 1000
MAX_LEAD_MINUTES = 7 * 24 * 60
MAX_EVERY_HOURS = 7 * 24

M = TypeVar("M", bound=BaseModel)

Id = Annotated[int, Field(ge=1, le=MAX_ID)]
# Answers keep Python's isoformat ("+00:00", not pydantic's "Z").
Time = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json"),
                 WithJsonSchema({"type": "string", "format": "date-time"})]


def _refusal(message: str) -> PydanticCustomError:
    return PydanticCustomError("taskbell", "{message}", {"message": message})


def _checked(check: Callable[[Any, str], Any]) -> BeforeValidator:
    """A before-validator from `check(value, field name)`, which raises FieldError with our message."""

    def validate(value: Any, info: ValidationInfo) -> Any:
        try:
            return check(value, info.field_name or "")
        except FieldError as exc:
            raise _refusal(str(exc)) from None

    return BeforeValidator(validate)


# --- query strings (400) --------------------------------------------------------------------

def _query_status(raw: Any, name: str) -> TaskStatus:
    return forms.member(TaskStatus, raw, name)


def _query_limit(raw: Any, name: str) -> int:
    return forms.whole_number(raw, name, 1, MAX_PAGE)


def _query_offset(raw: Any, name: str) -> int:
    return forms.whole_number(raw, name, 0, MAX_ID)


QueryStatus = Annotated[TaskStatus | None, _checked(_query_status)]
QueryId = Annotated[Id | None, _checked(forms.positive_id)]
QueryTime = Annotated[datetime | None, _checked(forms.aware_time)]
Limit = Annotated[int, Field(ge=1, le=MAX_PAGE), _checked(_query_limit)]
Offset = Annotated[int, Field(ge=0, le=MAX_ID), _checked(_query_offset)]


class TaskListQuery(BaseModel):
    """GET /tasks: filters and paging."""

    model_config = ConfigDict(extra="ignore")

    status: QueryStatus = None
    assignee_id: QueryId = None
    group_id: QueryId = Field(None, description="Tasks of the members of this group.")
    assignment_id: QueryId = None
    due_from: QueryTime = None
    due_to: QueryTime = None
    limit: Limit = 50
    offset: Offset = 0


class PersonTasksQuery(BaseModel):
    """GET /people/{person_id}/tasks: a status and paging."""

    model_config = ConfigDict(extra="ignore")

    status: QueryStatus = None
    limit: Limit = 50
    offset: Offset = 0


# --- bodies (422) ---------------------------------------------------------------------------

def _string(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise FieldError(f"{name} must be a string.")
    return value


def _ids(value: Any, name: str) -> list[int]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_IDS or not all(
            isinstance(v, int) and not isinstance(v, bool) and 0 < v <= MAX_ID for v in value):
        raise FieldError(f"{name} must be a list of positive whole numbers (at most {MAX_IDS}).")
    return value


def _time_or_null(value: Any, name: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise FieldError(f"{name} must be an ISO 8601 string with a time zone offset, or null.")
    return forms.aware_time(value, name)


def _priority(value: Any, name: str) -> Priority:
    if value is None:
        return Priority.NORMAL
    return forms.member(Priority, _string(value, name), name)


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise FieldError(f"{name} must be true or false.")
    return value


def _count_or_null(value: Any, name: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_ID:
        raise FieldError(f"{name} must be a whole number, or null.")
    return value


_RULE = "Overrides the organisation's rule."


class AssignmentRequest(BaseModel):
    """Choose at least one person or group; a due time must be in the future."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "anyOf": [{"required": ["person_ids"], "properties": {"person_ids": {"minItems": 1}}},
                  {"required": ["group_ids"], "properties": {"group_ids": {"minItems": 1}}}]})

    title: Annotated[str, _checked(_string), Field(json_schema_extra={
        "minLength": 1, "maxLength": MAX_TITLE, "pattern": "\\S"})]
    description: Annotated[str, _checked(_string), Field(json_schema_extra={"maxLength": MAX_DESCRIPTION})] = ""
    person_ids: Annotated[list[Id], Field(max_length=MAX_IDS), _checked(_ids)] = []
    group_ids: Annotated[list[Id], Field(max_length=MAX_IDS), _checked(_ids)] = []
    due_at: Annotated[datetime | None, _checked(_time_or_null),
                      Field(description="With an offset; in the future.")] = None
    priority: Annotated[Priority, _checked(_priority)] = Priority.NORMAL
    requires_review: Annotated[bool, _checked(_flag)] = False
    reminder_lead_minutes: Annotated[int | None, _checked(_count_or_null), Field(
        description=_RULE, json_schema_extra={"minimum": 0, "maximum": MAX_LEAD_MINUTES})] = None
    reminder_every_hours: Annotated[int | None, _checked(_count_or_null), Field(
        description=_RULE, json_schema_extra={"minimum": 1, "maximum": MAX_EVERY_HOURS})] = None


# --- answers --------------------------------------------------------------------------------

class Health(BaseModel):
    status: Literal["ok"] = "ok"


class ErrorDetail(BaseModel):
    code: str
    message: str


class Error(BaseModel):
    error: ErrorDetail


class Task(BaseModel):
    """A task, read from any task row or model by attribute name."""

    model_config = ConfigDict(from_attributes=True)

    id: Id
    assignment_id: Id
    title: str
    description: str
    priority: Priority
    status: TaskStatus
    due_at: Time | None
    requires_review: bool
    assignee_id: Id
    assigner_id: Id
    created_at: Time
    updated_at: Time
    started_at: Time | None
    completed_at: Time | None
    resolved_at: Time | None
    cancelled_at: Time | None
    reopen_count: int
    last_note: str | None


class ListedTask(Task):
    """A task in a listing, with the names of its people."""

    assignee_name: str
    assigner_name: str


class TaskPage(BaseModel):
    """One page of tasks."""

    model_config = ConfigDict(from_attributes=True)

    total: int
    limit: int
    offset: int
    items: list[ListedTask]


class Transition(BaseModel):
    """The task after a start or complete; `changed` is false when it was already in that state."""

    model_config = ConfigDict(from_attributes=True)

    task: Task
    changed: bool
    message: str


class AssignmentResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    assignment_id: Id
    task_count: int
    skipped_person_ids: list[Id]


# --- reading requests -----------------------------------------------------------------------

def _message(exc: ValidationError) -> str:
    """Our one-line message for a failed validation: unknown fields, then missing ones, then the first."""
    errors = exc.errors()
    unknown = sorted(str(e["loc"][0]) for e in errors if e["type"] == "extra_forbidden")
    if unknown:
        return f"Unknown field(s): {', '.join(unknown)}."
    missing = sorted(str(e["loc"][0]) for e in errors if e["type"] == "missing")
    if missing:
        return f"Missing field(s): {', '.join(missing)}."
    first = errors[0]
    if first["type"] == "taskbell":
        return str(first["msg"])
    return f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}."


def _text_problem(value: Any, where: str = "") -> str | None:
    """The message for the first string in a JSON value that we cannot store (NUL, control
    characters, an unpaired surrogate from a \\ud800 escape), naming its field; or None."""
    if isinstance(value, str):
        problem = textinput.text_problem(value)
        return None if problem is None else f"{where or 'The body'} contains {problem}."
    if isinstance(value, dict):
        items: list[tuple[str, Any]] = [(str(k), v) for k, v in value.items()]
    elif isinstance(value, list):
        items = [(f"{where}[{i}]", v) for i, v in enumerate(value)]
    else:
        return None
    for key, item in items:
        name = key if isinstance(value, list) or not where else f"{where}.{key}"
        if isinstance(value, dict) and textinput.text_problem(key) is not None:
            return f"A field name contains {textinput.text_problem(key)}."
        if (problem := _text_problem(item, textinput.printable(name))) is not None:
            return problem
    return None


def read_query(model: type[M], params: Mapping[str, str]) -> M:
    """The query string as `model`, or ApiError 400."""
    try:
        return model.model_validate(dict(params))
    except ValidationError as exc:
        raise bad_query(_message(exc)) from None


def read_body(model: type[M], body: bytes) -> M:
    """A JSON object body as `model`, or ApiError 413/422."""
    if len(body) > MAX_BODY:
        raise ApiError(413, "too_large", f"The body is larger than {MAX_BODY // 1024} KiB.")
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise invalid("The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise invalid("The body must be a JSON object.")
    if (problem := _text_problem(data)) is not None:
        raise invalid(problem)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid(_message(exc)) from None


def answer(model: type[BaseModel], value: Any) -> dict[str, Any]:
    """`value` (a domain read model, by attribute names) as the JSON of `model`."""
    return model.model_validate(value).model_dump(mode="json")
