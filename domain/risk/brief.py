"""The brief's "High-risk students" section: the HIGH students of the batches the person teaches."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import BatchTeacher, Enrolment, Person, RiskProfile
from domain.perms.catalogue import RISK_REVIEW
from domain.perms.check import can
from domain.risk.scoring import Level

SHOWN = 3  # names in the brief; the rest are counted


def high_risk_items(session: Session, person: Person) -> list[str]:
    """Up to three HIGH students (lowest score first) with their reasons, and how many more."""
    if not can(session, person, RISK_REVIEW):
        return []
    taught = select(BatchTeacher.batch_id).where(BatchTeacher.person_id == person.id)
    mine = select(Enrolment.student_id).where(Enrolment.batch_id.in_(taught), Enrolment.left_on.is_(None))
    rows = session.execute(select(Person.name, RiskProfile.score, RiskProfile.reasons)
                           .join(RiskProfile, RiskProfile.student_id == Person.id)
                           .where(RiskProfile.level == Level.HIGH.value, Person.id.in_(mine))
                           .order_by(RiskProfile.score, Person.name)).all()
    items = [f"{name} ({score:g}/100): {reasons.split('; ')[0]}" for name, score, reasons in rows[:SHOWN]]
    if len(rows) > SHOWN:
        items.append(f"and {len(rows) - SHOWN} more on the console's Risk page")
    return items
