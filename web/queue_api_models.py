"""GET /api/queue: its query string and its answer, as pydantic models (the OpenAPI document uses them)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, field_serializer

from domain.models import OPEN_STATUSES, OPEN_TICKET_STATUSES, Priority
from domain.queue.query import MAX_LIMIT, ItemType, QueueSort
from web import forms
from web.api_models import Offset, QueryId, Time, _checked
from web.desk_api_models import _query_flag

OPEN_STATUS_NAMES = sorted({s.value for s in (*OPEN_STATUSES, *OPEN_TICKET_STATUSES)})


def _status(raw: Any, name: str) -> str:
    if raw not in OPEN_STATUS_NAMES:
        raise forms.FieldError(f"{name} must be one of {', '.join(OPEN_STATUS_NAMES)}.")
    return str(raw)


def _enum(kind: type) -> Any:
    return _checked(lambda raw, name: forms.member(kind, raw, name))


class QueueQuery(BaseModel):
    """GET /queue: filters, order and page."""

    model_config = ConfigDict(extra="ignore")

    status: Annotated[str | None, _checked(_status), Field(description="An open status of a ticket or task.",
                                                           json_schema_extra={"enum": OPEN_STATUS_NAMES})] = None
    priority: Annotated[Priority | None, _enum(Priority)] = None
    type: Annotated[ItemType | None, _enum(ItemType)] = None
    team_id: QueryId = None
    assignee_id: QueryId = None
    sort: Annotated[QueueSort, _enum(QueueSort), Field(
        description="breach: time to breach; priority; age; due.")] = QueueSort.BREACH
    desc: Annotated[bool, _checked(_query_flag), Field(description="Reverse the order.")] = False
    full: Annotated[bool, _checked(_query_flag), Field(description="false: the summary only.")] = True
    limit: Annotated[int, Field(ge=1, le=MAX_LIMIT)] = 20
    offset: Offset = 0


class QueueItemOut(BaseModel):
    """One open ticket or task."""

    model_config = ConfigDict(from_attributes=True)

    type: ItemType
    id: int
    ref: str
    title: str
    status: str
    priority: Priority
    team_id: int | None
    team: str | None
    assignees: list[str]
    created_at: Time
    due_at: Time | None
    breach_at: Time | None
    time_left: timedelta | None = Field(description="Seconds until the deadline; negative once breached.")

    @field_serializer("time_left")
    def _seconds(self, value: timedelta | None) -> int | None:
        return None if value is None else int(value.total_seconds())


class QueueSummaryOut(BaseModel):
    """Counts over every item the query matches."""

    model_config = ConfigDict(from_attributes=True)

    total: int
    tickets: int
    tasks: int
    overdue: int
    due_soon: int
    at_risk: int
    by_priority: dict[str, int]


class QueuePageOut(BaseModel):
    """The summary and, in full mode, one page of items."""

    model_config = ConfigDict(from_attributes=True)

    now: Time
    sort: QueueSort
    desc: bool
    limit: int
    offset: int
    next_offset: int | None
    summary: QueueSummaryOut
    items: list[QueueItemOut]


def _period(raw: Any, name: str) -> str:
    if raw not in PERIOD_NAMES:
        raise forms.FieldError(f"{name} must be one of {', '.join(PERIOD_NAMES)}.")
    return str(raw)


PERIOD_NAMES = ("today", "week", "month", "custom")


class MetricsQuery(BaseModel):
    """GET /metrics: the period (custom needs from and to, local days)."""

    model_config = ConfigDict(extra="ignore")

    period: Annotated[str, _checked(_period), Field(json_schema_extra={"enum": list(PERIOD_NAMES)})] = "month"
    from_: Annotated[date | None, Field(alias="from", description="First day of a custom period.")] = None
    to: Annotated[date | None, Field(description="Last day of a custom period.")] = None


class PercentilesOut(BaseModel):
    """Median and 90th percentile in seconds (nearest rank)."""

    model_config = ConfigDict(from_attributes=True)

    count: int
    median: timedelta | None
    p90: timedelta | None

    @field_serializer("median", "p90")
    def _seconds(self, value: timedelta | None) -> int | None:
        return None if value is None else int(value.total_seconds())


class LoadOut(BaseModel):
    """Open and overdue items of a person or a team, now."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    open: int
    overdue: int


class DayOut(BaseModel):
    """Items created and resolved on a local day."""

    model_config = ConfigDict(from_attributes=True)

    day: date
    created: int
    resolved: int


class MetricsOut(BaseModel):
    """The metrics of a period."""

    model_config = ConfigDict(from_attributes=True)

    start: Time
    end: Time
    total: int
    by_status: dict[str, int]
    by_priority: dict[str, int]
    at_risk: int
    breached: int
    first_response_compliance: float | None
    resolution_compliance: float | None
    first_response: PercentilesOut
    resolution: PercentilesOut
    people: list[LoadOut]
    teams: list[LoadOut]
    trend: list[DayOut]
