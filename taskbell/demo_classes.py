"""The demo's classes: three batches whose weekly slots are built around the moment the demo is seeded,
so one class is open when `make run` starts and another starts later today, with four weeks of history.

The history tells a story a teacher recognises: Chidi drifts into absences in Physics (his attendance
falls below the threshold), Emre has missed his last three Maths classes in a row, Hana has never missed
one, Gus has stopped coming these two weeks (high risk, demo_risk), and nobody took last week's final
Maths class (an inbox item for Meera).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.actors import Actor
from domain.attendance import batches, pipeline, schedule
from domain.attendance import queries as att_queries
from domain.attendance import sheet as att_sheet
from domain.clock import FixedClock
from domain.models import Mark
from domain.uow import Database

WEEKS = 4
LAST_MINUTE = 23 * 60 + 59  # a demo class never runs past midnight


@dataclass(frozen=True)
class DemoBatch:
    key: str
    name: str
    subject: str
    level: str
    teacher: str
    students: tuple[str, ...]


BATCHES = (
    DemoBatch("physics", "Year 10 Physics", "Physics", "Year 10", "daniel", ("s1", "s2", "s3", "s4", "s5")),
    DemoBatch("maths", "Year 11 Maths", "Maths", "Year 11", "meera", ("s4", "s5", "s6", "s7", "s8")),
    DemoBatch("biology", "Year 9 Biology", "Biology", "Year 9", "meera", ("s1", "s2", "s7", "s8")),
)


def _minutes(t: datetime) -> int:
    return t.hour * 60 + t.minute


def _hhmm(minutes: int) -> time:
    return time(minutes // 60, minutes % 60)


def todays_times(local_now: datetime) -> dict[str, tuple[time, int] | None]:
    """Each batch's (start, duration) for the demo: Physics open now, Maths later today, Biology 16:30
    (on other days). None where the day has no room left (a demo seeded a minute before midnight)."""
    now = _minutes(local_now)
    start = max(0, (now - 10) // 5 * 5)  # began ten minutes ago: open, and the sheet is waiting
    length = min(90, LAST_MINUTE - start)
    physics = (_hhmm(start), length) if length >= 10 and start + length > now else None
    later = min(now + 180, (now + LAST_MINUTE) // 2) // 5 * 5  # later today: in three hours, or before midnight
    maths = (_hhmm(later), min(60, LAST_MINUTE - later)) if LAST_MINUTE - later >= 10 and later > now + 15 \
        else None
    return {"physics": physics, "maths": maths, "biology": (time(16, 30), 60)}


def weekdays(key: str, today: int) -> tuple[int, ...]:
    """Three classes a week for each batch; Physics and Maths meet today, Biology never does."""
    offsets = {"physics": (0, 2, 4), "maths": (0, 1, 3), "biology": (2, 5)}[key]
    return tuple((today + o) % 7 for o in offsets)


def mark_for(student: str, batch: str, week: int, nth: int) -> Mark:
    """The believable pattern: week is 0..3 (3 = last week), nth the class's number within its week."""
    if student == "s3" and batch == "physics":  # Chidi drifts away: under 75% however "late" is counted
        if week == 1 and nth == 2:
            return Mark.ABSENT
        if week == 2:
            return (Mark.ABSENT, Mark.LATE, Mark.PRESENT)[nth % 3]
        if week == 3:
            return (Mark.ABSENT, Mark.PRESENT, Mark.ABSENT)[nth % 3]
    if student == "s5" and batch == "maths" and week == 3:  # Emre: three in a row, the streak alert
        return Mark.ABSENT
    if student == "s5" and batch == "maths" and week == 2 and nth == 2:
        return Mark.ABSENT
    if student == "s2" and batch == "physics" and week in (1, 3) and nth == 0:  # Bea runs late now and then
        return Mark.LATE
    if student == "s7" and week >= 2:  # Gus has stopped coming (demo_risk: high risk); late once
        return Mark.LATE if (week, nth) == (2, 1) else Mark.ABSENT
    if student == "s7" and week == 1 and nth == 0:
        return Mark.ABSENT
    if student == "s6" and week == 1 and nth == 1:  # Farah's one absence
        return Mark.ABSENT
    return Mark.PRESENT


def seed_classes(db: Database, clock: FixedClock, now: datetime, tz: str, ids: dict[str, int]) -> str:
    """Batches, slots, enrolments, four weeks of classes taken (and one missed), today's classes ready."""
    system = Actor.system()
    zone = ZoneInfo(tz)
    local_now = now.astimezone(zone)
    today = local_now.date()
    first_day = today - timedelta(days=7 * WEEKS)
    times = todays_times(local_now)
    made: dict[str, int] = {}
    for b in BATCHES:
        info = batches.create_batch(db.uow(), system, name=b.name, subject=b.subject, level=b.level,
                                    teacher_ids=[ids[b.teacher]])
        made[b.key] = info.id
        start, duration = times[b.key] or (time(17, 0), 60)
        for weekday in weekdays(b.key, today.weekday()):
            if weekday == today.weekday() and times[b.key] is None:
                continue  # no room left today: this batch meets on its other days
            batches.add_slot(db.uow(), system, info.id, weekday=weekday, start=start, duration_minutes=duration)
        for s in b.students:
            batches.enrol(db.uow(), system, info.id, ids[s], first_day)
    key_of = {v: k for k, v in made.items()}
    student_key = {v: k for k, v in ids.items()}
    teacher_of = {made[b.key]: ids[b.teacher] for b in BATCHES}
    days = [today - timedelta(days=back) for back in range(7 * WEEKS, 0, -1)]
    last_maths = max(d for d in days if d.weekday() in weekdays("maths", today.weekday()))
    taken = missed = 0
    nth_in_week: dict[tuple[str, int], int] = {}
    for day in days:
        week = (day - first_day).days // 7
        clock.set(datetime.combine(day, time(0, 0), zone).astimezone(UTC))
        schedule.ensure_sessions(db.uow(), day, day, tz)
        for planned in _planned(db, day, tz):
            clock.set(planned.starts_at.astimezone(UTC) + timedelta(minutes=5))
            for session_id in schedule.open_due(db.uow()):
                info = att_queries.session_info(db.uow(readonly=True), session_id)
                key = key_of[info.batch_id]
                nth = nth_in_week.get((key, week), 0)
                nth_in_week[(key, week)] = nth + 1
                if key == "maths" and day == last_maths:
                    continue  # nobody took the last Maths class: it will be missed
                teacher = Actor.telegram(teacher_of[info.batch_id])
                roster = att_sheet.sheet(db.uow(readonly=True), teacher, session_id).rows
                marks = {row.student_id: mark_for(student_key[row.student_id], key, week, nth)
                         for row in roster}
                att_sheet.submit(db.uow(), teacher, session_id, marks)
                taken += 1
            clock.set(planned.ends_at.astimezone(UTC) + timedelta(minutes=30))
            missed += pipeline.auto_close(db.uow(), tz).get("missed", 0)
    clock.set(now)
    schedule.ensure_sessions(db.uow(), today, today + timedelta(days=7), tz)
    opened = schedule.open_due(db.uow())  # Daniel's Physics class: its sheet is in his chat at start
    return (f"{len(BATCHES)} classes ({taken} taken, {missed} missed in the last {WEEKS} weeks; "
            f"{len(opened)} open now)")


def _planned(db: Database, day: date, tz: str) -> list[schedule.Planned]:
    with db.uow(readonly=True) as uow:
        return sorted(schedule.planned(uow.session, day, day, tz), key=lambda p: p.starts_at)
