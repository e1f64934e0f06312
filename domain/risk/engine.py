"""Recomputing risk: nightly (scheduler job `student_risk_recompute`) and on demand. Writes only the
risk profiles and events, and one inbox item per teacher when a student moves INTO high risk."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import insert, select, update
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
    """Score one chunk of students and write in bulk: new profiles, level changes (with their events),
    changed scores, and for the unchanged (most, most nights) only the time they were computed."""
    known = {sid: (level, score_, reasons, bd) for sid, level, score_, reasons, bd in s.execute(
        select(RiskProfile.student_id, RiskProfile.level, RiskProfile.score, RiskProfile.reasons,
               RiskProfile.breakdown).where(RiskProfile.student_id.in_(ids)))}
    gathered = facts.gather(s, ids, now)
    added: list[dict[str, object]] = []
    moved: list[dict[str, object]] = []
    rescored: list[dict[str, object]] = []
    untouched: list[int] = []
    events: list[dict[str, object]] = []
    entered_high: list[tuple[int, float | None, str]] = []
    for sid in ids:
        result = score(gathered[sid])
        level = result.level.value
        done.students += 1
        done.levels[level] = done.levels.get(level, 0) + 1
        values = {"student_id": sid, "score": result.score, "level": level, "breakdown": breakdown(result),
                  "reasons": result.reasons, "computed_at": now}
        before = known.get(sid)
        if before is not None and before[0] == level:
            if (before[1], before[2], before[3]) == (result.score, result.reasons, values["breakdown"]):
                untouched.append(sid)
            else:
                rescored.append(values)
            continue
        done.changed += 1
        if before is None:
            added.append({**values, "level_since": now})
        else:  # a new level: the teacher's review was of the old one
            moved.append({**values, "level_since": now, "review": None, "review_note": None, "reviewed_by": None,
                          "reviewed_at": None})
        events.append({"student_id": sid, "from_level": before[0] if before else None, "to_level": level,
                       "score": result.score, "reasons": result.reasons, "at": now})
        if result.level == Level.HIGH:
            entered_high.append((sid, result.score, result.reasons))
    if added:
        s.execute(insert(RiskProfile), added)
    for rows in (moved, rescored):
        if rows:
            s.execute(update(RiskProfile), rows)
    if untouched:
        s.execute(update(RiskProfile).where(RiskProfile.student_id.in_(untouched)).values(computed_at=now)
                  .execution_options(synchronize_session=False))
    if events:
        s.execute(insert(RiskEvent), events)
    if entered_high:
        done.into_high += len(entered_high)
        _raise_items(s, entered_high, now)


def _raise_items(s: Session, entered: list[tuple[int, float | None, str]], now: datetime) -> None:
    """One inbox item per teacher of the student's current batches, for this move into HIGH (none while
    an earlier one of theirs is still open)."""
    ids = [sid for sid, _, _ in entered]
    names = dict(s.execute(select(Person.id, Person.name).where(Person.id.in_(ids))).all())
    teachers: dict[int, dict[int, int]] = {}
    for sid, bid, tid in s.execute(select(Enrolment.student_id, Enrolment.batch_id, BatchTeacher.person_id)
                                   .join(BatchTeacher, BatchTeacher.batch_id == Enrolment.batch_id)
                                   .where(Enrolment.student_id.in_(ids), Enrolment.left_on.is_(None))
                                   .order_by(Enrolment.batch_id)):
        teachers.setdefault(sid, {}).setdefault(tid, bid)
    still_open = {(sid, owner) for sid, owner in s.execute(select(PendingAction.student_id, PendingAction.owner_id)
                  .where(PendingAction.kind == INBOX_KIND, PendingAction.student_id.in_(ids),
                         PendingAction.status == ActionStatus.OPEN))}
    intents: list[Intent] = []
    for sid, score_, reasons in entered:
        for owner, bid in teachers.get(sid, {}).items():
            if (sid, owner) in still_open:
                continue
            score_text = f" ({score_:g}/100)" if score_ is not None else ""
            action = PendingAction(kind=INBOX_KIND, owner_id=owner, batch_id=bid, student_id=sid,
                                   summary=f"{names.get(sid, 'A student')} is now at high risk{score_text}: "
                                           f"{reasons}. Risk is advisory, not disciplinary.",
                                   dedupe_key=f"risk:{sid}:{now:%Y%m%dT%H%M%S}:{owner}", status=ActionStatus.OPEN,
                                   created_at=now)
            s.add(action)
            s.flush()
            intents.append(Intent(NotificationKind.PENDING_ACTION, owner, f"action:{action.id}",
                                  {"action_id": action.id}, "action", action.id))
    enqueue(s, intents, now)
