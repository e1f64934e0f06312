"""The teacher's actions on a student's risk: mark reviewed, ignore with a note, and notify the parents
with a careful, factual message the teacher reads first (sent through the outbox as a parent-teacher
conversation message, so a parent's reply reaches the teacher). Each is scoped and audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select, update

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.models import (
    ActionStatus,
    Batch,
    Enrolment,
    ParentLink,
    PendingAction,
    Person,
    RiskProfile,
)
from domain.outbox import Intent, NotificationKind, enqueue
from domain.risk import scope
from domain.risk.engine import INBOX_KIND
from domain.uow import UnitOfWork

REVIEWS = {"reviewed": "Marked as reviewed.", "ignored": "Ignored."}
MAX_NOTE = 1000


@dataclass(frozen=True)
class ParentNote:
    student_id: int
    parents: tuple[str, ...]  # who will get it (names)
    about: str  # the class it is about
    text: str  # exactly what they will read


def review(uow: UnitOfWork, actor: Actor, student_id: int, outcome: str, note: str = "") -> str:
    """Mark a student's current risk reviewed, or ignore it (a note is required); their open risk inbox
    items of the actor are resolved the same way."""
    note = note.strip()[:MAX_NOTE]
    if outcome not in REVIEWS:
        raise InvalidInput("Choose Reviewed or Ignore.")
    if outcome == "ignored" and not note:
        raise InvalidInput("Write a short note saying why you ignore it.")
    with uow:
        s = uow.session
        me = scope.viewer(s, actor)
        scope.check_student(s, me, student_id)
        profile = s.get(RiskProfile, student_id)
        if profile is None:
            raise NotFound("This student's risk has not been computed yet.")
        profile.review, profile.review_note, profile.reviewed_by, profile.reviewed_at = outcome, note or None, \
            me.id, uow.now
        s.execute(update(PendingAction).where(
            PendingAction.kind == INBOX_KIND, PendingAction.student_id == student_id,
            PendingAction.owner_id == me.id, PendingAction.status == ActionStatus.OPEN).values(
            status=ActionStatus.RESOLVED, resolution="reviewed" if outcome == "reviewed" else "ignore",
            note=note or None, resolved_at=uow.now, resolved_by=me.id).execution_options(synchronize_session=False))
        audit.record(s, actor, f"risk.{outcome}", "person", student_id, uow.now)
        uow.commit()
        return REVIEWS[outcome]


def _first(name: str) -> str:
    return name.split()[0] if name.split() else name


def _note(uow: UnitOfWork, actor: Actor, student_id: int) -> tuple[ParentNote, list[int], Person]:
    s = uow.session
    me = scope.viewer(s, actor)
    child = scope.check_student(s, me, student_id)
    profile = s.get(RiskProfile, student_id)
    if profile is None:
        raise NotFound("This student's risk has not been computed yet.")
    parents = list(s.execute(select(Person.id, Person.name).join(ParentLink, ParentLink.parent_id == Person.id)
                             .where(ParentLink.child_id == student_id).order_by(Person.name)).all())
    about = s.scalar(select(Batch.name).join(Enrolment, Enrolment.batch_id == Batch.id).where(
        Enrolment.student_id == student_id, Enrolment.left_on.is_(None),
        Batch.id.in_(scope.batch_ids(me))).order_by(Batch.name).limit(1)) or "class"
    facts = [f["words"] for f in (profile.breakdown or {}).get("factors", [])
             if f.get("value") is not None and f["name"] in ("attendance", "homework", "tests")]
    first = _first(child.name)
    lines = [f"I am {me.name}, {first}'s teacher in {about}. I would like to share how {first} has been "
             "getting on, in case it helps."]
    if facts:
        lines.append("What our records show: " + "; ".join(facts) + ".")
    lines.append(f"This is not a complaint or a disciplinary matter. If something is making school harder for "
                 f"{first} at the moment, I would be glad to hear about it and to help. You can reply to this "
                 "message.")
    return ParentNote(student_id, tuple(n for _, n in parents), about, "\n\n".join(lines)), \
        [p for p, _ in parents], me


def parent_note(uow: UnitOfWork, actor: Actor, student_id: int) -> ParentNote:
    """The message the parents would get, for the teacher to read before sending; writes nothing."""
    with uow:
        return _note(uow, actor, student_id)[0]


def notify_parents(uow: UnitOfWork, actor: Actor, student_id: int) -> ParentNote:
    """Send the note shown by parent_note to the student's parents (once per student per day)."""
    with uow:
        note, parent_ids, me = _note(uow, actor, student_id)
        if not parent_ids:
            raise InvalidInput("No parent is linked to this student; an admin can link one on the batch page.")
        data = {"from_id": me.id, "from_name": me.name, "about": note.about, "child_id": student_id,
                "text": note.text, "photos": []}
        day = uow.now.date().isoformat()
        enqueue(uow.session, [Intent(NotificationKind.FAMILY_MESSAGE, p, f"risk-note:{student_id}:{p}:{day}", data,
                                     "person", me.id) for p in parent_ids], uow.now)
        profile = uow.session.get(RiskProfile, student_id)
        assert profile is not None
        profile.review, profile.reviewed_by, profile.reviewed_at = "parent_notified", me.id, uow.now
        audit.record(uow.session, actor, "risk.notify_parent", "person", student_id, uow.now,
                     parents=len(parent_ids))
        uow.commit()
        return note
