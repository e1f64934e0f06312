"""The student risk API's query string and answers, as pydantic models (the OpenAPI document uses them)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from web.api_models import QueryId, Time


class RiskStudentsQuery(BaseModel):
    """GET /risk/students: optionally one batch."""

    model_config = ConfigDict(extra="ignore")

    batch_id: QueryId = None


class RiskFactorOut(BaseModel):
    """One factor: its value 0..1 (null: unknown, left out), its weight and the weight it carried."""

    model_config = ConfigDict(from_attributes=True)

    name: str
    value: float | None
    weight: int
    weight_used: float
    words: str


class StudentRiskOut(BaseModel):
    """One student's risk (names as the caller's permissions allow)."""

    model_config = ConfigDict(from_attributes=True)

    student_id: int
    name: str
    level: str = Field(description="low, medium, high, not_enough_data, or empty when never computed.")
    score: float | None
    factors: list[RiskFactorOut]
    reasons: str
    computed_at: Time | None
    review: str | None
    review_note: str | None


class RiskStudentsOut(BaseModel):
    """The students of one batch, or of every batch the caller may see, riskiest first."""

    model_config = ConfigDict(from_attributes=True)

    batch_id: int = Field(description="0 when no batch was asked for.")
    batch_name: str
    advisory: str
    counts: dict[str, int]
    students: list[StudentRiskOut]


class RiskEventOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    from_level: str | None
    to_level: str
    score: float | None
    reasons: str
    at: Time


class StudentRiskDetailOut(BaseModel):
    """One student's risk with their batches (of the caller's) and their level changes, newest first."""

    model_config = ConfigDict(from_attributes=True)

    risk: StudentRiskOut
    batches: list[str]
    events: list[RiskEventOut]
