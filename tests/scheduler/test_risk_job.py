"""The nightly `student_risk_recompute` job is registered and scores every student through the engine."""

from __future__ import annotations

from scheduler.jobs import JOBS, JobContext
from tests.domain.risk.world import TZ, build_school


def test_the_nightly_job_scores_every_student_once_a_night(db, make_person, clock, tmp_path):
    build_school(db, make_person, clock)
    fn, trigger, args = JOBS["student_risk_recompute"]
    assert (trigger, args) == ("cron", {"hour": 3, "minute": 15})
    ctx = JobContext(db, TZ, tmp_path)
    assert fn(ctx) == "4 students scored, 4 level changes, 1 into high risk"
    assert fn(ctx) == "4 students scored, 0 level changes, 0 into high risk"
