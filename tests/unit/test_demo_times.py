"""The demo's class times: whatever minute `make run` starts at, Physics is open and Maths comes later today."""

from __future__ import annotations

from datetime import datetime, timedelta

from taskbell.demo_classes import LAST_MINUTE, todays_times, weekdays


def test_every_minute_of_the_day_has_an_open_class_and_a_later_one():
    day = datetime(2026, 3, 2)
    without_later = []
    for minute in range(24 * 60):
        now = day + timedelta(minutes=minute)
        times = todays_times(now)
        physics, maths = times["physics"], times["maths"]
        if minute < LAST_MINUTE - 10:
            assert physics is not None, now
            start = physics[0].hour * 60 + physics[0].minute
            assert start <= minute < start + physics[1] <= LAST_MINUTE, now  # open now, over by midnight
            assert 10 <= physics[1] <= 90
        if maths is None:
            without_later.append(minute)
            continue
        start = maths[0].hour * 60 + maths[0].minute
        assert minute + 15 < start and start + maths[1] <= LAST_MINUTE and maths[1] >= 10, now
    assert min(without_later) > 23 * 60  # only in the last hour before midnight is there no room left


def test_physics_and_maths_meet_today_and_biology_does_not():
    for today in range(7):
        assert today in weekdays("physics", today) and today in weekdays("maths", today)
        assert today not in weekdays("biology", today)
