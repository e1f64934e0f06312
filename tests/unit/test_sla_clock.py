"""The SLA clock: business minutes across a weekend, a holiday, a time zone; 24/7 counts plain minutes."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

from domain.sla.clock import Calendar, add_minutes, minutes_between

# Mon-Fri 09:00-18:00 in Tashkent (UTC+5); 2026-12-04 is a Friday; Tue 2026-12-08 a holiday
CAL = Calendar(tz="Asia/Tashkent", start=time(9), end=time(18), holidays=frozenset({date(2026, 12, 8)}))


def local(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour - 5, minute, tzinfo=UTC)  # Tashkent wall time as UTC


def test_adding_business_minutes_skips_the_weekend():
    friday_5pm = local(4, 17)
    assert add_minutes(CAL, friday_5pm, 60) == local(4, 18)
    assert add_minutes(CAL, friday_5pm, 120) == local(7, 10)  # 1 h on Friday, 1 h on Monday
    assert minutes_between(CAL, friday_5pm, local(7, 10)) == 120
    assert minutes_between(CAL, local(5, 10), local(6, 23)) == 0  # all weekend


def test_a_holiday_is_not_working_time():
    monday_5pm = local(7, 17)
    assert add_minutes(CAL, monday_5pm, 120) == local(9, 10)  # Tuesday is a holiday
    assert minutes_between(CAL, local(7, 9), local(9, 18)) == 18 * 60  # Monday and Wednesday


def test_outside_hours_counts_from_the_next_opening_and_24_7_counts_everything():
    saturday = local(5, 12)
    assert add_minutes(CAL, saturday, 30) == local(7, 9, 30)
    assert add_minutes(None, saturday, 30) == local(5, 12, 30)
    assert minutes_between(None, saturday, local(7, 12)) == 48 * 60
    assert minutes_between(CAL, local(7, 12), saturday) == -minutes_between(CAL, saturday, local(7, 12))


def test_the_working_day_follows_the_local_clock_across_a_dst_change():
    london = Calendar(tz="Europe/London", start=time(9), end=time(17))
    friday_4pm_bst = datetime(2026, 10, 23, 15, 0, tzinfo=UTC)  # 16:00 BST; clocks go back on Sunday 25th
    assert add_minutes(london, friday_4pm_bst, 120) == datetime(2026, 10, 26, 10, 0, tzinfo=UTC)  # 10:00 GMT
    assert minutes_between(london, friday_4pm_bst, datetime(2026, 10, 26, 10, 0, tzinfo=UTC)) == 120
