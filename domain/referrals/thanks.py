"""The referrer is thanked, once, when the person they referred is enrolled in a batch.

`on_enrolled` runs inside the roster services' transaction (domain.attendance.rosters, roster_import):
an open referral of the student (by the person invited, or by phone) becomes enrolled with one
conditional update, and only the update that changed it writes the thanks (kind `referral_thanks`, a
dedupe key per referral besides), so a second enrolment, a retry or a second batch thanks nobody again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.models import Person, Referral, ReferralStatus
from domain.outbox import Intent, NotificationKind, enqueue

OPEN = (ReferralStatus.NEW, ReferralStatus.INVITED)


def on_enrolled(session: Session, actor: Actor, student_id: int, batch_id: int, now: datetime) -> int:
    """Mark the student's open referrals enrolled and thank each referrer once; returns how many."""
    student = session.get(Person, student_id)
    if student is None:
        return 0
    found = list(session.scalars(select(Referral.id).where(
        Referral.status.in_(OPEN), or_(Referral.person_id == student_id, Referral.phone == student.phone))))
    thanked = 0
    for referral_id in found:
        changed = session.execute(
            update(Referral).where(Referral.id == referral_id, Referral.status.in_(OPEN),
                                   Referral.thanked_at.is_(None))
            .values(status=ReferralStatus.ENROLLED, person_id=student_id, enrolled_at=now, thanked_at=now,
                    updated_at=now)).rowcount
        if not changed:
            continue
        ref = session.get(Referral, referral_id)
        assert ref is not None
        session.refresh(ref)
        enqueue(session, [Intent(NotificationKind.REFERRAL_THANKS, ref.referrer_id, f"referral-thanks:{ref.id}",
                                 {"referral_id": ref.id, "name": ref.name}, "referral", ref.id)], now)
        audit.record(session, actor, "referral.enrolled", "referral", ref.id, now, person_id=student_id,
                     batch_id=batch_id)
        thanked += 1
    return thanked
