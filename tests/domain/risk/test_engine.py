"""The risk engine on both databases: attendance scored with the unknown factors renormalised, not
enough data, exactly one inbox item on the move into HIGH, idempotent recomputes, the teacher's
actions, the brief, and a teacher never seeing risk outside their batches."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.errors import InvalidInput, NotFound
from domain.inbox import services as inbox
from domain.models import Mark, Notification, PendingAction, RiskEvent, RiskProfile
from domain.reminders import briefs
from domain.risk import actions, engine, queries
from tests.domain.risk.world import MONDAYS, SYSTEM, TZ, build_school, take


def risk_items(db) -> list[PendingAction]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(PendingAction).where(PendingAction.kind == "student_risk")))


def events(db) -> list[RiskEvent]:
    with db.uow(readonly=True) as uow:
        return list(uow.session.scalars(select(RiskEvent).order_by(RiskEvent.id)))


@pytest.fixture
def school(db, make_person, clock):
    return build_school(db, make_person, clock)


def test_recompute_scores_what_it_knows_and_says_what_it_does_not(db, school):
    amir, bea, cy = school["students"]
    tina = Actor.web(school["teacher"].id, None)
    done = engine.recompute(db.uow(), SYSTEM)
    assert done.students == 4 and done.changed == 4 and done.into_high == 1
    rows = {r.student_id: r for r in queries.students(db.uow(), tina, school["batch"].id).students}
    assert [r.student_id for r in queries.students(db.uow(), tina, school["batch"].id).students] == \
        [amir.id, bea.id, cy.id]  # riskiest first
    assert (rows[amir.id].level, rows[amir.id].score) == ("high", 0.0)
    assert (rows[bea.id].level, rows[bea.id].score) == ("medium", 66.6)  # late is not present (the seed)
    assert (rows[cy.id].level, rows[cy.id].score) == ("low", 100.0)
    weights = {f.name: f.weight_used for f in rows[bea.id].factors}
    assert weights == {"attendance": 100.0, "homework": 0.0, "fees": 0.0, "tests": 0.0}
    assert rows[bea.id].reasons.startswith("attendance 67% over the last 3 classes; homework unknown")
    assert rows[amir.id].name == "Amir A."  # a teacher without pii.full sees names masked
    with db.uow(readonly=True) as uow:  # Dee has no data at all: not enough data, never LOW
        dee = uow.session.get(RiskProfile, school["loner"].id)
        assert dee.level == "not_enough_data" and dee.score is None
        assert dee.reasons.startswith("attendance unknown (no classes recorded); homework unknown")


def test_only_the_move_into_high_raises_one_inbox_item_and_recompute_is_idempotent(db, school, clock):
    amir = school["students"][0]
    engine.recompute(db.uow(), SYSTEM)
    (item,) = risk_items(db)
    assert item.owner_id == school["teacher"].id and item.student_id == amir.id
    assert item.summary.startswith("Amir Ahmed is now at high risk (0/100): attendance 0% over the last 3 classes")
    with db.uow(readonly=True) as uow:
        told = uow.session.scalars(select(Notification.recipient_id).where(
            Notification.kind == "pending_action", Notification.subject_id == item.id)).all()
    assert told == [school["teacher"].id]
    before = len(events(db))
    again = engine.recompute(db.uow(), SYSTEM)
    assert again.changed == 0 and again.into_high == 0
    assert len(events(db)) == before and len(risk_items(db)) == 1
    # Amir comes back: an event, and leaving HIGH raises nothing.
    take(db, school, clock, MONDAYS[3], {amir.id: Mark.PRESENT})
    for day in (date(2026, 11, 30), date(2026, 12, 7)):
        take(db, school, clock, day, {})
    assert engine.recompute(db.uow(), SYSTEM).changed == 2  # Amir 3 of 6: MEDIUM; Bea 5 of 6: LOW
    assert [(e.from_level, e.to_level) for e in events(db) if e.student_id == amir.id] == \
        [(None, "high"), ("high", "medium")]
    assert len(risk_items(db)) == 1  # leaving HIGH raises nothing


def test_teachers_actions_and_the_parent_note(db, school):
    amir = school["students"][0]
    tina = Actor.web(school["teacher"].id, None)
    engine.recompute(db.uow(), SYSTEM)
    (item,) = risk_items(db)  # the inbox's own Notify parent would send its summary: refused for risk items
    with pytest.raises(InvalidInput, match=f"/admin/risk/student/{amir.id}"):
        inbox.resolve_action(db.uow(), tina, item.id, "notify_parent")
    with pytest.raises(InvalidInput, match="note"):
        actions.review(db.uow(), tina, amir.id, "ignored", "")
    assert actions.review(db.uow(), tina, amir.id, "reviewed", "Spoke to him") == "Marked as reviewed."
    (item,) = risk_items(db)
    assert item.status == "resolved" and item.resolution == "reviewed"
    note = actions.parent_note(db.uow(), tina, amir.id)
    assert note.parents == ("Parent 0", "Parent 1") and note.about == "Physics 10"
    assert "attendance 0% over the last 3 classes" in note.text and "risk" not in note.text.lower()
    assert "not a complaint or a disciplinary matter" in note.text
    actions.notify_parents(db.uow(), tina, amir.id)
    actions.notify_parents(db.uow(), tina, amir.id)  # twice the same day: sent once
    with db.uow(readonly=True) as uow:
        sent = uow.session.scalars(select(Notification).where(Notification.kind == "family_message")).all()
    assert sorted(n.recipient_id for n in sent) == sorted(p.id for p in school["parents"])
    assert all(n.data["text"] == note.text and n.data["from_id"] == school["teacher"].id for n in sent)
    assert queries.student(db.uow(), tina, amir.id).risk.review == "parent_notified"


def test_a_teacher_never_sees_risk_outside_their_batches(db, school):
    amir = school["students"][0]
    oscar = Actor.web(school["other"].id, None)
    engine.recompute(db.uow(), SYSTEM)
    assert [b.name for b in queries.batches(db.uow(), oscar)] == ["Art 7"]
    assert queries.students(db.uow(), oscar).students == ()
    for call in (lambda: queries.students(db.uow(), oscar, school["batch"].id),
                 lambda: queries.student(db.uow(), oscar, amir.id),
                 lambda: engine.recompute(db.uow(), oscar, school["batch"].id),
                 lambda: actions.review(db.uow(), oscar, amir.id, "reviewed"),
                 lambda: actions.parent_note(db.uow(), oscar, amir.id),
                 lambda: actions.notify_parents(db.uow(), oscar, amir.id)):
        with pytest.raises(NotFound):
            call()
    assert engine.recompute(db.uow(), oscar).students == 0  # his own batches only: nobody
    # The brief: Tina's names Amir under High-risk students; Oscar's has no such section.
    tina_brief = briefs.compose(db.uow(), school["teacher"].id, TZ)
    (section,) = [x for x in tina_brief.sections if x["title"] == "High-risk students"]
    assert section["items"] == ["Amir Ahmed (0/100): attendance 0% over the last 3 classes"]
    assert not [x for x in briefs.compose(db.uow(), school["other"].id, TZ).sections
                if x["title"] == "High-risk students"]
