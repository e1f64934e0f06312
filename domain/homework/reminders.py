"""The reminder before homework is due (rule `homework.remind_before_hours`): once per homework, to the
students who have handed nothing in. The scheduler's `homework.remind` job; quiet hours hold the message."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from domain.models import Batch, Homework, HomeworkItem, HomeworkStatus
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

BATCH = 200


def scan(uow: UnitOfWork) -> int:
    """Remind the students with nothing handed in of homework due within the rule's hours; how many were told."""
    told = 0
    with uow:
        s, now = uow.session, uow.now
        ahead = timedelta(hours=float(rule_in(s, "homework.remind_before_hours")))
        due = list(s.scalars(select(Homework).where(Homework.reminded_at.is_(None), Homework.due_at > now,
                                                    Homework.due_at <= now + ahead)
                             .order_by(Homework.due_at).limit(BATCH)))
        for homework in due:
            homework.reminded_at = now
            batch = s.get(Batch, homework.batch_id)
            open_items = list(s.scalars(select(HomeworkItem).where(
                HomeworkItem.homework_id == homework.id, HomeworkItem.status == HomeworkStatus.OPEN)))
            told += enqueue(s, [Intent(NotificationKind.HOMEWORK_REMINDER, i.student_id, f"hw:remind:{i.id}", {
                "item_id": i.id, "title": homework.title, "batch": batch.name if batch else "",
                "due_at": homework.due_at.isoformat()}, "homework_item", i.id) for i in open_items], now)
        uow.commit()
    return told
