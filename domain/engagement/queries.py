"""The engagement page's read model: the latest model card, people ranked by risk with their reasons,
the engagement profiles and the insights. Reads what the last training wrote; never trains or scores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select

from domain.actors import Actor
from domain.models import EngagementModel, EngagementScore, Person
from domain.perms.catalogue import ENGAGEMENT_READ
from domain.perms.check import require
from domain.pii import redactor
from domain.uow import UnitOfWork

AT_RISK = 0.6  # the seed's at-risk line
SHOWN = 30
SHOWN_ALL = 1000


@dataclass(frozen=True)
class PersonRisk:
    person_id: int
    name: str
    risk: float
    at_risk: bool
    reasons: list[str]
    profile: str | None


@dataclass(frozen=True)
class Card:
    id: int
    trained_at: datetime
    status: str
    data_from: datetime | None
    data_to: datetime | None
    cutoff: datetime | None
    n_train: int
    n_test: int
    late_share: float | None
    auc_model: float | None
    brier_model: float | None
    auc_baseline: float | None
    brier_baseline: float | None
    margin: float
    model_wins: bool
    features: list[dict[str, Any]]
    note: str
    seconds: float


@dataclass(frozen=True)
class Engagement:
    card: Card | None
    source: str  # "model", "heuristic" or "" (never trained)
    people: list[PersonRisk] = field(default_factory=list)
    scored: int = 0
    at_risk: int = 0
    clusters: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[dict[str, Any]] = field(default_factory=list)


def _card(m: EngagementModel) -> Card:
    features = sorted(m.features or [], key=lambda f: -abs(f["weight"]))
    return Card(m.id, m.trained_at, m.status, m.data_from, m.data_to, m.cutoff, m.n_train, m.n_test, m.late_share,
                m.auc_model, m.brier_model, m.auc_baseline, m.brier_baseline, m.margin, m.model_wins, features,
                m.note, m.seconds)


def engagement(uow: UnitOfWork, actor: Actor, limit: int = SHOWN) -> Engagement:
    """The latest training's card, the riskiest people first (names as the viewer may see them)."""
    with uow:
        s = uow.session
        viewer = require(s, actor, ENGAGEMENT_READ)
        model = s.scalars(select(EngagementModel).order_by(EngagementModel.id.desc()).limit(1)).first()
        if model is None:
            return Engagement(None, "")
        names = {c["id"]: c["name"] for c in model.clusters or []}
        rows = s.execute(select(EngagementScore, Person.name).join(Person, Person.id == EngagementScore.person_id)
                         .where(EngagementScore.model_id == model.id)
                         .order_by(EngagementScore.risk.desc(), Person.name)).all()
        r = redactor(s, actor, viewer, "engagement", uow.now)
        people = [PersonRisk(sc.person_id, r.name(sc.person_id, name) or "", sc.risk, sc.risk >= AT_RISK,
                             list(sc.reasons), names.get(sc.cluster)) for sc, name in rows[:limit]]
        source = rows[0][0].source if rows else ("model" if model.model_wins else "heuristic")
        return Engagement(_card(model), source, people, len(rows), sum(1 for sc, _ in rows if sc.risk >= AT_RISK),
                          list(model.clusters or []), list(model.suggestions or []))
