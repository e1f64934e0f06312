"""Row 6: submitting a 60-student attendance sheet through the web (POST /attendance/sheet/{token},
uvicorn in its own process), post-class pipeline included; baseline: att_sheet.toggle of one student."""

from __future__ import annotations

import random
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import httpx
from sqlalchemy import insert, select

from bench.common import KEY, Row, make_admin, percentile, progress, sqlite_db
from bench.dashboard import Server
from domain.actors import Actor
from domain.attendance import batches
from domain.attendance import sheet as att_sheet
from domain.auth import services as auth
from domain.models import (
    ClassSession,
    Enrolment,
    Mark,
    ParentLink,
    Person,
    PersonStatus,
    Role,
    SessionStatus,
)
from web.security import csrf_token


def _populate(workdir: Path, students: int, sessions: int):  # -> (db, teacher, student ids, session ids)
    db = sqlite_db(workdir, f"attendance{students}")
    make_admin(db)
    with db.uow() as uow:
        now = uow.now
        people = list(uow.session.execute(insert(Person).returning(Person.id), [
            {"name": f"Pupil {i:02d}", "phone": f"+4475{i:08d}", "role": Role.STUDENT if i else Role.TEACHER,
             "status": PersonStatus.ACTIVE, "created_at": now, "updated_at": now}
            for i in range(students + 1)]).scalars())
        teacher, pupils = people[0], people[1:]
        parents = list(uow.session.execute(insert(Person).returning(Person.id), [
            {"name": f"Parent {i:02d}", "phone": f"+4474{i:08d}", "role": Role.PARENT,
             "status": PersonStatus.ACTIVE, "created_at": now, "updated_at": now}
            for i in range(students // 2)]).scalars())
        uow.session.execute(insert(ParentLink), [{"parent_id": p, "child_id": c, "created_at": now} for p, c in zip(parents, pupils, strict=False)])
        uow.commit()
    batch = batches.create_batch(db.uow(), Actor.system(), name="Physics 11", teacher_ids=[teacher])
    slot = batches.add_slot(db.uow(), Actor.system(), batch.id, weekday=0, start="09:00", duration_minutes=60)
    today = db.clock.now().date()
    with db.uow() as uow:
        uow.session.execute(insert(Enrolment), [
            {"batch_id": batch.id, "student_id": p, "enrolled_on": date(2020, 1, 1)} for p in pupils])
        rows = []
        for d in range(sessions + 1):  # one a day, oldest first, still open (class started an hour ago)
            on = today - timedelta(days=sessions - d)
            starts = datetime.combine(on, dtime(0, 0), UTC) + (db.clock.now() - datetime.combine(
                today, dtime(0, 0), UTC)) - timedelta(hours=1)
            rows.append({"batch_id": batch.id, "slot_id": slot.id, "on_date": on, "starts_at": starts,
                         "ends_at": starts + timedelta(hours=2), "status": SessionStatus.OPEN})
        uow.session.execute(insert(ClassSession), rows)
        uow.commit()
        ids = list(uow.session.scalars(select(ClassSession.id).order_by(ClassSession.on_date)))
    return db, teacher, pupils, ids


def rows(workdir: Path, students: int = 60, submits: int = 40) -> list[Row]:
    progress(f"attendance: {submits} sheets of {students} students submitted through the web")
    db, teacher, pupils, sessions = _populate(workdir, students, submits)
    rnd = random.Random(5)
    server = Server(str(db.engine.url), "app")
    base = f"http://127.0.0.1:{server.port}"
    latencies: list[float] = []
    via = "web"
    try:
        with httpx.Client(base_url=base, timeout=30, headers={"origin": base}) as http:
            for session_id in sessions[:submits]:
                token = auth.issue_one_time(db.uow(), purpose="attendance", person_id=teacher,
                                            ttl=timedelta(hours=1), object_id=session_id)
                form = {"csrf": csrf_token((KEY,), token)}
                for p in pupils:  # a few absent (the same ones often: streaks), some late
                    roll = rnd.random()
                    absent = (p in pupils[:4] and rnd.random() < 0.7) or roll < 0.08
                    form[f"mark-{p}"] = Mark.ABSENT if absent else (Mark.LATE if roll > 0.95 else Mark.PRESENT)
                start = time.perf_counter()
                r = http.post(f"/attendance/sheet/{token}", data=form)
                latencies.append(time.perf_counter() - start)
                if r.status_code != 200 or "Submitted" not in r.text:
                    raise RuntimeError(f"attendance submit answered {r.status_code}: {r.text[:300]}")
    finally:
        server.stop()
    with db.uow(readonly=True) as uow:
        submitted = len(list(uow.session.scalars(select(ClassSession.id).where(
            ClassSession.status == SessionStatus.SUBMITTED, ClassSession.post_class_at.is_not(None)))))

    progress(f"attendance baseline: {submits} toggles of one student")
    last = sessions[-1]
    toggles = []
    for i in range(submits):
        start = time.perf_counter()
        att_sheet.toggle(db.uow(), Actor.web(teacher, "127.0.0.1"), last, pupils[i % len(pupils)])
        toggles.append(time.perf_counter() - start)
    db.engine.dispose()
    size = f"{students} students, {submits} sheets"
    note = (f"POST /attendance/sheet/{{token}} ({via}, uvicorn process, one at a time): token consumed, marks, "
            f"post-class pipeline (parents, streaks, 30-day %), page; {submitted} submitted")
    ms = 1000
    return [
        Row("attendance submit p50", size, percentile(latencies, 50) * ms, "ms", percentile(toggles, 50) * ms,
            "attendance.toggle, 1 student", note),
        Row("attendance submit p99", size, percentile(latencies, 99) * ms, "ms", percentile(toggles, 99) * ms,
            "attendance.toggle, 1 student", "baseline: the service called in-process, no HTTP"),
    ]
