"""Recomputing risk: nightly (scheduler job `student_risk_recompute`) and on demand. Writes only the
risk profiles and events, and one inbox item per teacher when a student moves INTO high risk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.models import (
    ActionStatus,
    BatchTeacher,
    Enrolment,
    PendingAction,
    Person,
    PersonStatus,
    RiskEvent,
    RiskProfile,
    Role,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.perms.catalogue import RISK_REVIEW
from domain.perms.check import require_or_system
from domain.risk import facts, scope
from domain.risk.scoring import Level, RiskScore, score
from domain.uow import UnitOfWork

INBOX_KIND = "student_risk"
CHUNK = 1000


@dataclass
class Recomputed:
    students: int = 0
    changed: int = 0  # level changes (each one a risk event)
    into_high: int = 0
    levels: dict[str, int] = field(default_factory=dict)


def breakdown(result: RiskScore) -> dict[str, object]:
    """The stored breakdown: every factor with its value, weights and words."""
    return {"factors": [{"name": f.name, "value": f.value, "weight": f.weight, "weight_used": f.weight_used,
                         "words": f.words} for f in result.factors]}


def recompute(uow: UnitOfWork, actor: Actor, batch_id: int | None = None) -> Recomputed:
    """Score every active student (or one batch's, for a teacher their own batches only); idempotent."""
    with uow:
        s = uow.session
        me = require_or_system(s, actor, RISK_REVIEW)
        q = select(Person.id).where(Person.role == Role.STUDENT, Person.status == PersonStatus.ACTIVE)
        if me is not None and (batch_id is not None or me.role != Role.ADMIN):
            if batch_id is not None:
                scope.check_batch(s, me, batch_id)
            q = q.where(Person.id.in_(scope.students(me, batch_id)))
        elif batch_id is not None:
            q = q.where(Person.id.in_(select(Enrolment.student_id).where(Enrolment.batch_id == batch_id)))
        ids = list(s.scalars(q.order_by(Person.id)))
        done = Recomputed()
        for i in range(0, len(ids), CHUNK):
            _apply(s, ids[i:i + CHUNK], uow.now, done)
        audit.record(s, actor, "risk.recompute", "batch" if batch_id else "organisation", batch_id, uow.now,
                     students=done.students, changed=done.changed, into_high=done.into_high)
        uow.commit()
        return done


def _apply(s: Session, ids: Sequence[int], now: datetime, done: Recomputed) -> None:
    known = {p.student_id: p for p in s.scalars(select(RiskProfile).where(RiskProfile.student_id.in_(ids)))}
    gathered = facts.gather(s, ids)
    same: list[dict[str, object]] = []
    entered_high: list[tuple[int, RiskEvent]] = []
    for sid in ids:
        result = score(gathered[sid])
        level = result.level.value
        done.students += 1
        done.levels[level] = done.levels.get(level, 0) + 1
        profile = known.get(sid)
        values = {"score": result.score, "level": level, "breakdown": breakdown(result),
                  "reasons": result.reasons, "computed_at": now}
        if profile is not None and profile.level == level:
            same.append({"student_id": sid, **values})
            continue
        done.changed += 1
        before = profile.level if profile is not None else None
        if profile is None:
            s.add(RiskProfile(student_id=sid, level_since=now, **values))
        else:  # a new level: the teacher's review was of the old one
            s.execute(update(RiskProfile).where(RiskProfile.student_id == sid).values(
                level_since=now, review=None, review_note=None, reviewed_by=None, reviewed_at=None, **values)
                .execution_options(synchronize_session=False))
        event = RiskEvent(student_id=sid, from_level=before, to_level=level, score=result.score,
                          reasons=result.reasons, at=now)
        s.add(event)
        if result.level == Level.HIGH:
            entered_high.append((sid, event))
    if same:
        s.execute(update(RiskProfile), same)
    s.flush()
    if entered_high:
        done.into_high += len(entered_high)
        _raise_items(s, entered_high, now)


def _raise_items(s: Session, entered: list[tuple[int, RiskEvent]], now: datetime) -> None:
    """One inbox item per teacher of the student's current batches, for this move into HIGH."""
    ids = [sid for sid, _ in entered]
    names = dict(s.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    teachers: dict[int, dict[int, int]] = {}
    for sid, bid, tid in s.execute(select(Enrolment.student_id, Enrolment.batch_id, BatchTeacher.person_id)
                                   .join(BatchTeacher, BatchTeacher.batch_id == Enrolment.batch_id)
                                   .where(Enrolment.student_id.in_(ids), Enrolment.left_on.is_(None))
                                   .order_by(Enrolment.batch_id)):
        teachers.setdefault(sid, {}).setdefault(tid, bid)
    intents: list[Intent] = []
    for sid, event in entered:
        for owner, bid in teachers.get(sid, {}).items():
            if s.scalar(select(PendingAction.id).where(
                    PendingAction.kind == INBOX_KIND, PendingAction.student_id == sid,
                    PendingAction.owner_id == owner, PendingAction.status == ActionStatus.OPEN)):
                continue  # still open from an earlier move into HIGH
            score_text = f" ({event.score:g}/100)" if event.score is not None else ""
            action = PendingAction(kind=INBOX_KIND, owner_id=owner, batch_id=bid, student_id=sid,
                                   summary=f"{names.get(sid, 'A student')} is now at high risk{score_text}: "
                                           f"{event.reasons}. Risk is advisory, not disciplinary.",
                                   dedupe_key=f"risk:{event.id}:{owner}", status=ActionStatus.OPEN, created_at=now)
            s.add(action)
            s.flush()
            intents.append(Intent(NotificationKind.PENDING_ACTION, owner, f"action:{action.id}",
                                  {"action_id": action.id}, "action", action.id))
    enqueue(s, intents, now)
