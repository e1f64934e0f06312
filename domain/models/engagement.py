"""Engagement risk learned from task history: each training's model card and the scores it gave."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from domain.models.base import Base, JSONType


class EngagementModel(Base):
    """One training run's model card: the data it saw, how it did against the baseline, what it learned."""

    __tablename__ = "engagement_models"

    id: Mapped[int] = mapped_column(primary_key=True)
    trained_at: Mapped[datetime] = mapped_column(index=True)
    status: Mapped[str] = mapped_column(String(20))  # "trained" or "not_enough_data"
    data_from: Mapped[datetime | None]
    data_to: Mapped[datetime | None]
    cutoff: Mapped[datetime | None]  # train before it, test after it
    n_train: Mapped[int] = mapped_column(default=0)
    n_test: Mapped[int] = mapped_column(default=0)
    late_share: Mapped[float | None] = mapped_column(Float)  # of all the examples
    auc_model: Mapped[float | None] = mapped_column(Float)
    brier_model: Mapped[float | None] = mapped_column(Float)
    auc_baseline: Mapped[float | None] = mapped_column(Float)
    brier_baseline: Mapped[float | None] = mapped_column(Float)
    margin: Mapped[float] = mapped_column(Float, default=0.0)  # the AUC margin the rule asked for
    model_wins: Mapped[bool] = mapped_column(default=False)  # predictions shown, else the heuristic
    features: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)  # [{name, label, weight}]
    clusters: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    suggestions: Mapped[list[dict[str, Any]]] = mapped_column(JSONType, default=list)
    artifact: Mapped[str | None] = mapped_column(String(200))  # the skops file's name in MODELS_DIR
    seconds: Mapped[float] = mapped_column(Float, default=0.0)
    note: Mapped[str] = mapped_column(Text, default="")


class EngagementScore(Base):
    """A person's engagement risk from one training run: the chance their next task goes late, and why."""

    __tablename__ = "engagement_scores"
    __table_args__ = (
        UniqueConstraint("model_id", "person_id"),
        Index("ix_engagement_scores_model_risk", "model_id", "risk"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    model_id: Mapped[int] = mapped_column(ForeignKey("engagement_models.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    risk: Mapped[float] = mapped_column(Float)
    source: Mapped[str] = mapped_column(String(10))  # "model" or "heuristic"
    reasons: Mapped[list[str]] = mapped_column(JSONType, default=list)
    cluster: Mapped[int | None]
    scored_at: Mapped[datetime]
