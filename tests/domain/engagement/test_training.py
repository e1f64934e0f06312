"""Engagement risk learned from history: a planted pattern is learned and beats the baseline on held-out
data; a history with no signal is not, and the heuristic is shown; features never see the future."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import insert, select

from adapters.learning import SklearnLearner, SkopsStore
from domain.actors import Actor
from domain.engagement import features, queries, training
from domain.errors import Forbidden
from domain.models import (
    AuditEntry,
    EngagementModel,
    EngagementScore,
    Group,
    GroupMember,
    Notification,
    Person,
    Role,
    Task,
)
from domain.rules import DEFAULT_RULES
from taskbell.engagement_history import _reminders, _snooze, plant
from tests.domain.engagement.helpers import assignment


def _train(db, tmp_path):
    return training.train(db, SklearnLearner(), SkopsStore(tmp_path / "models"), "UTC")


def test_a_planted_falling_trend_is_learned_and_beats_the_baseline(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Asha Admin")
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    history = plant(db, people=300, seed=3, assigner_id=admin.id)
    r = _train(db, tmp_path)
    assert r.status == "trained" and r.n_train > 1000 and r.n_test > 500
    assert r.auc_model > 0.8, r
    assert r.model_wins and r.auc_model - r.auc_baseline >= DEFAULT_RULES[training.MARGIN_RULE] / 100
    assert (tmp_path / "models" / f"engagement-{r.model_id}.skops").exists()

    page = queries.engagement(db.uow(readonly=True), Actor.web(admin.id, "127.0.0.1"))
    assert page.source == "model" and page.card.model_wins and page.card.brier_model <= page.card.brier_baseline
    assert page.scored == 300 and len(page.card.features) == len(features.FEATURES)
    assert page.card.data_from < page.card.cutoff < page.card.data_to
    # the riskiest people are mostly those drifting now, and each has reasons in words
    top = [p.person_id for p in page.people[:30]]
    assert sum(pid in history.drifting for pid in top) >= 20
    assert all(p.reasons and all(isinstance(x, str) for x in p.reasons) for p in page.people)
    assert any("(high)" in x or "(low)" in x for x in page.people[0].reasons)
    # engagement profiles: k in 2..5, described in words, every person in one
    assert 2 <= len(page.clusters) <= 5 and sum(c["people"] for c in page.clusters) == 300
    assert {c["name"] for c in page.clusters} & {"fast and on time", "drifting away", "starts late, finishes",
                                                 "often late"}
    assert all(p.profile for p in page.people)
    with pytest.raises(Forbidden):
        queries.engagement(db.uow(readonly=True), Actor.web(teacher.id, "127.0.0.1"))


def test_no_signal_does_not_beat_the_baseline_and_the_heuristic_is_shown(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Asha Admin")
    plant(db, people=300, seed=4, signal=False, assigner_id=admin.id)
    r = _train(db, tmp_path)
    assert r.status == "trained" and not r.model_wins
    assert abs(r.auc_model - 0.5) < 0.08
    page = queries.engagement(db.uow(readonly=True), Actor.web(admin.id, "127.0.0.1"))
    assert page.source == "heuristic" and "heuristic" in page.card.note
    with db.uow(readonly=True) as uow:
        sources = set(uow.session.scalars(select(EngagementScore.source)))
    assert sources == {"heuristic"}
    assert all(p.reasons[0].startswith("on time") or "usual rate" in p.reasons[0] for p in page.people)


def test_too_little_history_says_so_and_scores_by_the_heuristic(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Asha Admin")
    plant(db, people=5, tasks_per_person=6, seed=5, assigner_id=admin.id)
    r = _train(db, tmp_path)
    assert r.status == "not_enough_data" and not r.model_wins and r.scored == 5
    with db.uow(readonly=True) as uow:
        card = uow.session.scalars(select(EngagementModel)).one()
        assert card.artifact is None and "Not enough history" in card.note
    # a teacher granted engagement.read (without pii.full) sees the names masked
    from domain.perms import services as perms

    teacher = make_person(Role.TEACHER, "Tess Teacher")
    perms.set_permission(db.uow(), Actor.system(), teacher.id, "engagement.read", "grant")
    page = queries.engagement(db.uow(readonly=True), Actor.web(teacher.id, "127.0.0.1"))
    assert page.source == "heuristic" and len(page.people) == 5
    with db.uow(readonly=True) as uow:
        full = {pid: name for pid, name in uow.session.execute(select(Person.id, Person.name))}
    assert all(p.name != full[p.person_id] and p.name.endswith(".") for p in page.people), page.people


def test_features_read_only_the_past_and_the_label_is_the_next_task(db, make_person, clock):
    admin = make_person(Role.ADMIN, "Asha Admin")
    history = plant(db, people=1, tasks_per_person=0, seed=6, assigner_id=admin.id)
    pid = history.people[0]
    now = clock.now()
    t = now - timedelta(days=10)

    def task(aid: int, created, due, started=None, completed=None) -> None:
        with db.uow() as uow:
            uow.session.execute(insert(Task), [{
                "assignment_id": aid, "assignee_id": pid, "assigner_id": admin.id, "title": "x", "due_at": due,
                "status": "done" if completed else "pending", "created_at": created, "updated_at": created,
                "started_at": started, "completed_at": completed}])
            uow.commit()

    a1, a2, a3 = (assignment(db, admin.id, now - timedelta(days=30)) for _ in range(3))
    # finished on time before t
    task(a1, t - timedelta(days=5), t - timedelta(days=3), t - timedelta(days=5, hours=-2), t - timedelta(days=4))
    # due before t, finished after t (late): at t it is open and overdue, not yet "late"
    task(a2, t - timedelta(days=3), t - timedelta(days=1), None, t + timedelta(days=2))
    # the next task, assigned after t and missed
    task(a3, t + timedelta(days=1), t + timedelta(days=2))
    with db.uow() as uow:  # two reminders of the overdue task (one before t, one after) and a snooze before t
        first_task = uow.session.scalar(select(Task.id).where(Task.assignment_id == a2))
        rows = _reminders(first_task, pid, t - timedelta(days=1), None, t + timedelta(hours=30), seed=1)
        uow.session.execute(insert(Notification), [rows[0], {**rows[1], "created_at": t + timedelta(hours=1)}])
        uow.session.execute(insert(AuditEntry), [_snooze(first_task, pid, t - timedelta(hours=2)),
                                                 _snooze(first_task, pid, t + timedelta(hours=2))])
        uow.commit()
    with db.uow(readonly=True) as uow:
        [ex] = features.compute(uow.session, [t], labels_known_by=now)
        [before] = features.compute(uow.session, [t], labels_known_by=t + timedelta(days=1))
    v = dict(zip(features.NAMES, ex.values, strict=True))
    assert v["open"] == 1 and v["overdue"] == 1 and v["done_7"] == 0.5
    assert v["ontime_7"] == 0.5  # one of the two due in the window was on time; the other was not done by t
    assert v["start_7_h"] == pytest.approx((2 + 3 * 24) / 2, abs=0.01)  # 2 h, and 3 days waiting until t
    assert v["reminders"] == 1 and v["snoozes"] == 1  # only what had happened before t
    assert ex.label == 1  # the next task was missed
    assert before.label is None  # its due time had not passed by then: unknown, not on time


def test_insights_name_a_group_that_goes_late_with_evidence(db, make_person, clock, tmp_path):
    from domain.engagement import suggestions

    admin = make_person(Role.ADMIN, "Asha Admin")
    plant(db, people=60, tasks_per_person=20, seed=7, signal=False, on_time=0.85, assigner_id=admin.id)
    late = plant(db, people=15, tasks_per_person=20, seed=8, signal=False, on_time=0.3, assigner_id=admin.id,
                 name_prefix="Night")
    with db.uow() as uow:
        uow.session.add(Group(id=900, name="Night shift", created_at=clock.now()))
        uow.session.flush()
        uow.session.execute(insert(GroupMember), [{"group_id": 900, "person_id": p, "added_at": clock.now()}
                                                  for p in late.people])
        uow.commit()
    with db.uow(readonly=True) as uow:
        found = suggestions.compute(uow.session, clock.now(), "UTC")
    assert found and found[0]["text"].startswith("Tasks for Night shift go late more often")
    assert " of " in found[0]["evidence"] and "for the rest" in found[0]["evidence"]
    assert not [s for s in found if "Tuesdays" in s["text"]]  # weekdays have no planted effect


def test_a_refused_commit_leaves_no_model_file_and_no_card(db, make_person, tmp_path):
    from domain.ops.leader import LeaseLost

    admin = make_person(Role.ADMIN, "Asha Admin")
    plant(db, people=60, tasks_per_person=40, seed=12, assigner_id=admin.id)

    def refuse(session, at):
        raise LeaseLost("another scheduler leads now")

    with pytest.raises(LeaseLost):
        training.train(db.fenced(refuse), SklearnLearner(), SkopsStore(tmp_path / "models"), "UTC")
    assert list((tmp_path / "models").glob("*")) == []
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(EngagementModel.id)) is None
