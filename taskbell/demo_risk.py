"""The demo's student risk: scored last, over attendance, homework, fees and tests as the nightly job
would. The story: Chidi drifts, misses homework and owes since November (HIGH: an inbox item and a
Telegram message for Daniel), Emre's streak and unpaid fees (HIGH), Gus has stopped coming but hands in
and sits tests (MEDIUM), Aarav, Hana and others are LOW; a factor with no data reads "unknown"."""

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
