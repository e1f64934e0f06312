"""The service desk's JSON shapes (/api/tickets): queries, bodies and answers as pydantic models, with the
same checks and messages as web.api_models."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from domain.models import Priority, TicketStatus
from domain.tickets.rows import (
    MAX_COMMENT,
    MAX_DESCRIPTION,
    MAX_PAGE,
    MAX_TITLE,
    TicketDetail,
    TicketResult,
)
from web import forms
from web.api_models import (
    Id,
    Offset,
    QueryId,
    QueryTime,
    Time,
    _checked,
    _flag,
    _ids,
    _priority,
    _string,
    _time_or_null,
)
from web.forms import MAX_ID, FieldError

MAX_FIELDS = 30


def _status(raw: Any, name: str) -> TicketStatus:
    return forms.member(TicketStatus, raw, name)


def _limit(raw: Any, name: str) -> int:
    return forms.whole_number(raw, name, 1, MAX_PAGE)


def _query_text(raw: Any, name: str) -> str:
    text = _string(raw, name)
    if len(text) > 200:
        raise FieldError(f"{name} must be at most 200 characters.")
    return text


def _query_flag(raw: Any, name: str) -> bool:
    if raw not in ("true", "false", "1", "0"):
        raise FieldError(f"{name} must be true or false.")
    return raw in ("true", "1")


def _text_or_null(limit: int) -> Any:
    def check(value: Any, name: str) -> str | None:
        if value is None:
            return None
        text = _string(value, name)
        if len(text) > limit:
            raise FieldError(f"{name} must be at most {limit} characters.")
        return text
    return check


def _body_id(value: Any, name: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 < value <= MAX_ID:
        raise FieldError(f"{name} must be a positive whole number.")
    return value


def _fields(value: Any, name: str) -> dict[str, str]:
    if value is None:
        return {}
    if not isinstance(value, dict) or len(value) > MAX_FIELDS or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise FieldError(f"{name} must be an object of strings (at most {MAX_FIELDS}).")
    return value


class TicketListQuery(BaseModel):
    """GET /tickets: filters (all optional), full-text search and paging."""

    model_config = ConfigDict(extra="ignore")

    q: Annotated[str | None, _checked(_query_text), Field(
        description="Words searched in the title, description, extra fields and comments; or #number.")] = None
    team_id: QueryId = None
    status: Annotated[TicketStatus | None, _checked(_status)] = None
    open: Annotated[bool, _checked(_query_flag), Field(description="Only tickets still open.")] = False
    priority: Annotated[Priority | None, _checked(lambda raw, name: forms.member(Priority, raw, name))] = None
    assignee_id: QueryId = None
    requester_id: QueryId = None
    created_from: QueryTime = None
    created_to: QueryTime = None
    limit: Annotated[int, Field(ge=1, le=MAX_PAGE), _checked(_limit)] = 20
    offset: Offset = 0


class TicketCreate(BaseModel):
    """A request to a team: the team's extra fields go in `fields` (its required ones must be there)."""

    model_config = ConfigDict(extra="forbid")

    team_id: Annotated[Id, _checked(_body_id)]
    title: Annotated[str, _checked(_string), Field(json_schema_extra={
        "minLength": 1, "maxLength": MAX_TITLE, "pattern": "\\S"})]
    description: Annotated[str, _checked(_string), Field(json_schema_extra={"maxLength": MAX_DESCRIPTION})] = ""
    priority: Annotated[Priority, _checked(_priority)] = Priority.NORMAL
    fields: Annotated[dict[str, str], _checked(_fields)] = {}


class CommentCreate(BaseModel):
    """A comment; `internal` notes are for staff only and never reach the requester."""

    model_config = ConfigDict(extra="forbid")

    text: Annotated[str, _checked(_string), Field(json_schema_extra={
        "minLength": 1, "maxLength": MAX_COMMENT, "pattern": "\\S"})]
    internal: Annotated[bool, _checked(_flag)] = False


class TicketChange(BaseModel):
    """What a transition takes: `reason` (reject, reopen; optional for cancel), `note` (accept, resolve),
    `assignee_ids` and `due_at` (accept, assign)."""

    model_config = ConfigDict(extra="forbid")

    reason: Annotated[str | None, _checked(_text_or_null(2000))] = None
    note: Annotated[str | None, _checked(_text_or_null(2000))] = None
    assignee_ids: Annotated[list[Id], Field(max_length=100), _checked(_ids)] = []
    due_at: Annotated[datetime | None, _checked(_time_or_null), Field(description="With an offset.")] = None


# --- answers --------------------------------------------------------------------------------

class ContactOut(BaseModel):
    """An outside contact; phone and e-mail read 'hidden' for anyone not on the team."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    phone: str | None
    email: str | None


class ProgressOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    done: int
    total: int


class TicketOut(BaseModel):
    """A ticket as a list shows it."""

    model_config = ConfigDict(from_attributes=True)

    id: Id
    number: int
    title: str
    team_id: Id
    team_name: str
    priority: Priority
    status: TicketStatus
    requester_id: Id | None
    requester_name: str | None
    contact: ContactOut | None
    fields: dict[str, Any]
    assignee_ids: list[Id]
    assignee_names: list[str]
    progress: ProgressOut
    created_at: Time
    updated_at: Time
    due_at: Time | None


class TicketListPage(BaseModel):
    """One page of tickets, newest first."""

    model_config = ConfigDict(from_attributes=True)

    total: int
    limit: int
    offset: int
    items: list[TicketOut]


class EventOut(BaseModel):
    """One timeline entry (internal notes only for staff)."""

    model_config = ConfigDict(from_attributes=True)

    id: Id
    at: Time
    kind: str
    actor_id: Id | None
    actor_name: str | None
    channel: str
    from_status: TicketStatus | None
    to_status: TicketStatus | None
    text: str | None
    internal: bool


class TicketDetailOut(BaseModel):
    """A ticket with its timeline and what the caller may do with it now (`actions`)."""

    ticket: TicketOut
    description: str
    reject_reason: str | None
    resolution: str | None
    reopen_count: int
    timeline: list[EventOut]
    actions: list[str]


class TicketChangeResult(BaseModel):
    """The ticket after a change; `changed` is false when it was already so."""

    ticket: TicketDetailOut
    changed: bool
    message: str


def detail_data(d: TicketDetail) -> dict[str, Any]:
    """A TicketDetail in TicketDetailOut's shape."""
    return {"ticket": d.row, "description": d.description, "reject_reason": d.reject_reason,
            "resolution": d.resolution, "reopen_count": d.reopen_count, "timeline": list(d.timeline),
            "actions": sorted(a.value for a in d.actions)}


def result_data(r: TicketResult) -> dict[str, Any]:
    """A TicketResult in TicketChangeResult's shape."""
    return {"ticket": detail_data(r.ticket), "changed": r.changed, "message": r.message}

