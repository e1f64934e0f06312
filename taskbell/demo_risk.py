"""The demo's student risk: scored once from the attendance history (homework, fees and tests do not
exist yet, so they read "unknown" and their weights are shared by attendance). The story: Gus has
stopped coming (HIGH: an inbox item and a Telegram message for Meera), Chidi drifts (MEDIUM), Hana and
most others are LOW."""

from __future__ import annotations

from domain.actors import Actor
from domain.risk import engine
from domain.uow import Database


def seed_risk(db: Database) -> str:
    """Recompute every student's risk now, as the nightly job would."""
    done = engine.recompute(db.uow(), Actor.system())
    levels = ", ".join(f"{done.levels[k]} {k.replace('_', ' ')}" for k in ("high", "medium", "low",
                                                                            "not_enough_data")
                       if done.levels.get(k))
    return f"student risk ({levels})"
