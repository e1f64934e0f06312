"""Risk as people read it: a batch's students with their breakdown and reasons, one student with their
level changes, and the levels of a roster. Every read goes through domain/risk/scope (the one rule)
and shows names as the viewer may see them (domain/pii)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain import pii
from domain.actors import Actor
from domain.models import Batch, Enrolment, Person, RiskEvent, RiskProfile
from domain.risk import scope
from domain.risk.scoring import LEVEL_WORDS, Level
from domain.uow import UnitOfWork

LEVEL_ORDER = {Level.HIGH.value: 0, Level.MEDIUM.value: 1, Level.NOT_ENOUGH_DATA.value: 2, Level.LOW.value: 3}
ADVISORY = "Risk is advisory, not disciplinary."


@dataclass(frozen=True)
class FactorRow:
    name: str
    value: float | None  # 0..1, None: unknown
    weight: int
    weight_used: float
    words: str


@dataclass(frozen=True)
class StudentRisk:
    student_id: int
    name: str
    level: str  # low, medium, high, not_enough_data, or "" when never computed
    level_words: str
    score: float | None
    factors: tuple[FactorRow, ...]
    reasons: str
    computed_at: datetime | None
    level_since: datetime | None
    review: str | None
    review_note: str | None


@dataclass(frozen=True)
class RiskEventRow:
    from_level: str | None
    to_level: str
    score: float | None
    reasons: str
    at: datetime


@dataclass(frozen=True)
class StudentRiskDetail:
    risk: StudentRisk
    batches: tuple[str, ...]
    events: tuple[RiskEventRow, ...]


@dataclass(frozen=True)
class BatchRisk:
    batch_id: int
    batch_name: str
    students: tuple[StudentRisk, ...]
    counts: dict[str, int]
    advisory: str = ADVISORY


@dataclass(frozen=True)
class BatchChoice:
    id: int
    name: str


def _row(sid: int, name: str, p: RiskProfile | None) -> StudentRisk:
    if p is None:
        return StudentRisk(sid, name, "", "Not computed yet", None, (), "", None, None, None, None)
    factors = tuple(FactorRow(str(f["name"]), f["value"], int(f["weight"]), float(f["weight_used"]),
                              str(f["words"])) for f in (p.breakdown or {}).get("factors", []))
    return StudentRisk(sid, name, p.level, LEVEL_WORDS.get(Level(p.level), p.level), p.score, factors, p.reasons,
                       p.computed_at, p.level_since, p.review, p.review_note)


def _rows(s: Session, r: pii.Redactor, people: Sequence[tuple[int, str]]) -> list[StudentRisk]:
    ids = [sid for sid, _ in people]
    profiles = {p.student_id: p for p in s.scalars(select(RiskProfile).where(RiskProfile.student_id.in_(ids)))} \
        if ids else {}
    rows = [_row(sid, r.name(sid, name) or "", profiles.get(sid)) for sid, name in people]
    return sorted(rows, key=lambda x: (LEVEL_ORDER.get(x.level, 4), x.score if x.score is not None else 101, x.name))


def batches(uow: UnitOfWork, actor: Actor) -> list[BatchChoice]:
    """The batches whose risk the actor may see, by name."""
    with uow:
        me = scope.viewer(uow.session, actor)
        return [BatchChoice(i, n) for i, n in uow.session.execute(
            select(Batch.id, Batch.name).where(Batch.id.in_(scope.batch_ids(me))).order_by(Batch.name))]


def students(uow: UnitOfWork, actor: Actor, batch_id: int | None = None, where: str = "console.risk") -> BatchRisk:
    """The current students of one visible batch (or of all visible batches), riskiest first."""
    with uow:
        s = uow.session
        me = scope.viewer(s, actor)
        batch = scope.check_batch(s, me, batch_id) if batch_id is not None else None
        people = list(s.execute(select(Person.id, Person.name).where(
            Person.id.in_(scope.students(me, batch_id))).order_by(Person.name)).all())
        rows = _rows(s, pii.redactor(s, actor, me, where, uow.now), people)
        counts: dict[str, int] = {}
        for row in rows:
            counts[row.level or "none"] = counts.get(row.level or "none", 0) + 1
        return BatchRisk(batch.id if batch else 0, batch.name if batch else "All your batches", tuple(rows), counts)


def student(uow: UnitOfWork, actor: Actor, student_id: int, where: str = "console.risk") -> StudentRiskDetail:
    """One visible student's risk, the batches they are in (of the viewer's) and their level changes."""
    with uow:
        s = uow.session
        me = scope.viewer(s, actor)
        person = scope.check_student(s, me, student_id)
        (row,) = _rows(s, pii.redactor(s, actor, me, where, uow.now), [(person.id, person.name)])
        names = tuple(s.scalars(select(Batch.name).join(Enrolment, Enrolment.batch_id == Batch.id).where(
            Enrolment.student_id == student_id, Enrolment.left_on.is_(None),
            Batch.id.in_(scope.batch_ids(me))).order_by(Batch.name)))
        events = tuple(RiskEventRow(e.from_level, e.to_level, e.score, e.reasons, e.at) for e in s.scalars(
            select(RiskEvent).where(RiskEvent.student_id == student_id).order_by(RiskEvent.at.desc(),
                                                                                  RiskEvent.id.desc()).limit(20)))
        return StudentRiskDetail(row, names, events)


def levels_of(session: Session, student_ids: Sequence[int]) -> dict[int, str]:
    """Each student's stored level (for a roster the viewer already may see), by student id."""
    if not student_ids:
        return {}
    return {int(sid): str(level) for sid, level in session.execute(
        select(RiskProfile.student_id, RiskProfile.level).where(RiskProfile.student_id.in_(list(student_ids))))}
