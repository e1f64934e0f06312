"""The demo's field crew: named, grouped, and enough history that the model beats the baseline; the
scheduler's job trains it once at start-up and not again while it is fresh."""

from __future__ import annotations

from sqlalchemy import func, select

from domain.models import EngagementModel, GroupMember, Person, Role
from scheduler.jobs import AT_START, JobContext, catch_up_engagement, train_engagement
from taskbell.demo_engagement import CREW, NIGHT, seed_engagement


def test_the_demo_crew_trains_a_model_that_beats_the_baseline(db, make_person, tmp_path):
    admin = make_person(Role.ADMIN, "Asha Admin")
    assert "120" in seed_engagement(db, admin.id)
    with db.uow(readonly=True) as uow:
        names = list(uow.session.scalars(select(Person.name).where(Person.id != admin.id)))
        members = uow.session.scalar(select(func.count()).select_from(GroupMember))
    assert len(names) == CREW + NIGHT == members and not any(n.startswith(("Crew", "Night")) for n in names)
    assert "engagement.catch_up" in AT_START
    ctx = JobContext(db, "Europe/London", tmp_path / "backups", models_dir=tmp_path / "models")
    said = train_engagement(ctx)
    assert said.startswith("trained:") and "scored by the model" in said, said
    assert train_engagement(ctx) == "trained recently: not retrained"
    assert catch_up_engagement(ctx).endswith("nothing to do")
    with db.uow(readonly=True) as uow:
        card = uow.session.scalars(select(EngagementModel)).one()
    assert card.model_wins and card.auc_model > card.auc_baseline and card.clusters
    assert len({c["name"] for c in card.clusters}) == len(card.clusters)
    assert any(s["text"].startswith("Tasks for Night shift go late more often") for s in card.suggestions)
    assert list((tmp_path / "models").glob("*.skops")) == [tmp_path / "models" / card.artifact]
