"""The demo's homework: one per batch. Physics' (due two days ago) has hand-ins on time, one late and one
reviewed with a comment, and two missing; Biology's (due yesterday) one missing; Maths' is set as `make run`
starts and due tomorrow at 18:00, so its students have it in their chats with Hand in / Mark done."""

from __future__ import annotations

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from domain.actors import Actor
from domain.clock import FixedClock
from domain.homework import queries, services
from domain.homework.rows import HomeworkSpec
from domain.models import Batch
from domain.uow import Database


def _batch(db: Database, name: str) -> int:
    with db.uow(readonly=True) as uow:
        found = uow.session.scalar(select(Batch.id).where(Batch.name == name))
    assert found is not None, f"the demo has no batch {name!r}"
    return found


def _items(db: Database, teacher: int, homework_id: int) -> dict[int, int]:
    """student id -> item id."""
    detail = queries.homework_detail(db.uow(readonly=True), Actor.telegram(teacher), homework_id)
    return {i.student_id: i.id for i in detail.items}


def seed_homework_history(db: Database, clock: FixedClock, ids: dict[str, int], now: datetime) -> str:
    """Physics and Biology homework already due, with hand-ins (one late, one reviewed) and some missing."""
    daniel, meera = ids["daniel"], ids["meera"]
    clock.set(now - timedelta(days=5))
    physics = services.assign(db.uow(), Actor.telegram(daniel), HomeworkSpec(
        _batch(db, "Year 10 Physics"), "Kinematics problem set", now - timedelta(days=2),
        "Questions 1-8 on page 54: speed, velocity and acceleration. Show your working and give units.")).homework_id
    clock.set(now - timedelta(days=3))
    biology = services.assign(db.uow(), Actor.telegram(meera), HomeworkSpec(
        _batch(db, "Year 9 Biology"), "Label a plant cell", now - timedelta(days=1),
        "Draw a plant cell and label the nucleus, chloroplasts, cell wall and vacuole. A photo of your drawing is fine."
    )).homework_id
    p_items, b_items = _items(db, daniel, physics), _items(db, meera, biology)

    def hand_in(items: dict[int, int], who: str, at: datetime, text: str) -> None:
        clock.set(at)
        services.hand_in(db.uow(), Actor.telegram(ids[who]), items[ids[who]], text)

    hand_in(p_items, "s1", now - timedelta(days=3, hours=4), "Answers 1-8 attached as text: 1) 12 m/s 2) 3 m/s² ...")
    hand_in(p_items, "s2", now - timedelta(days=2, hours=6), "All eight done; question 7 was hard.")
    hand_in(p_items, "s4", now - timedelta(days=1, hours=20), "Sorry, late: I was ill on Tuesday.")  # late
    hand_in(b_items, "s1", now - timedelta(days=2), "My drawing, with the four labels.")
    hand_in(b_items, "s7", now - timedelta(days=1, hours=5), "Done.")
    hand_in(b_items, "s8", now - timedelta(days=2, hours=2), "Cell drawn and labelled, plus the mitochondria.")
    clock.set(now - timedelta(days=1))
    services.review(db.uow(), Actor.telegram(daniel), p_items[ids["s1"]], "Clear working. Check the units in Q4.")
    return "homework in Physics and Biology (6 handed in, 1 late, 1 reviewed, 3 missing)"


def seed_homework_now(db: Database, clock: FixedClock, ids: dict[str, int], now: datetime, tz: str) -> str:
    """Maths homework set now, due tomorrow at 18:00 local: its students get it with Hand in / Mark done."""
    clock.set(now)
    tomorrow = now.astimezone(ZoneInfo(tz)).date() + timedelta(days=1)
    due = datetime.combine(tomorrow, time(18, 0), ZoneInfo(tz))
    result = services.assign(db.uow(), Actor.telegram(ids["meera"]), HomeworkSpec(
        _batch(db, "Year 11 Maths"), "Quadratics: completing the square", due,
        "Exercise 6B, questions 1-10. Hand in a photo of your working, or type the answers."))
    maths = _items(db, ids["meera"], result.homework_id)
    services.hand_in(db.uow(), Actor.telegram(ids["s8"]), maths[ids["s8"]], "1) (x+3)^2 - 4 ... all ten done.")
    return "Maths homework due tomorrow (1 of 5 handed in)"
