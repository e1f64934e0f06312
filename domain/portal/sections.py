"""The portal's sections, in one registry: each is a function (uow, student_id) -> read model or None,
called inside the portal's open (read-only) unit of work for the student being looked at. None means the
section is absent from the page (not shown empty): a feature that has nothing to say, or that has not
landed yet, simply does not appear.

A feature plugs in with one function and one `register(...)` line here, and a `portal/_<key>.html`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from domain.announcements.services import AnnouncementItem, received_by
from domain.attendance.family import ChildBatch, attendance_of
from domain.fees.money import currency_of, money_text
from domain.fees.periods import local_today
from domain.fees.queries import DueRow, rows_where
from domain.homework.queries import student_rows
from domain.homework.rows import StudentHomework
from domain.marks.queries import Result, results_by_student
from domain.models import FeeDue, Homework, Person
from domain.uow import ORG_TZ, UnitOfWork

SectionFn = Callable[[UnitOfWork, int], Any]


@dataclass(frozen=True)
class Section:
    """A registered section: its key (the template shows `portal/_<key>.html`), title and loader."""

    key: str
    title: str
    load: SectionFn


@dataclass(frozen=True)
class Shown:
    """A section with something to show, for one student."""

    key: str
    title: str
    model: Any


SECTIONS: list[Section] = []


def register(key: str, title: str, load: SectionFn) -> None:
    """Add a section to every portal page (once per key; the order of registration is the page's order)."""
    if any(s.key == key for s in SECTIONS):
        raise RuntimeError(f"two portal sections named {key!r}")
    SECTIONS.append(Section(key, title, load))


def shown_for(uow: UnitOfWork, student_id: int) -> list[Shown]:
    """Every section that has something for this student, in order."""
    out = []
    for section in SECTIONS:
        model = section.load(uow, student_id)
        if model is not None:
            out.append(Shown(section.key, section.title, model))
    return out


@dataclass(frozen=True)
class AttendanceSection:
    """Per batch, the share attended over the last weeks and the classes themselves."""

    weeks: int
    batches: list[ChildBatch]


def attendance(uow: UnitOfWork, student_id: int) -> AttendanceSection | None:
    """The student's batches with their attendance over the last weeks (absent when in no batch)."""
    person = uow.session.get(Person, student_id)
    if person is None:
        return None
    tz = person.timezone or str(uow.session.info.get(ORG_TZ) or "UTC")
    view = attendance_of(uow, [(person.id, person.name)], tz)
    batches = view.children[0].batches if view.children else []
    return AttendanceSection(view.weeks, batches) if batches else None


def announcements(uow: UnitOfWork, student_id: int) -> list[AnnouncementItem] | None:
    """The announcements the student received, newest first (always shown, with a word when none)."""
    return received_by(uow, student_id)


def homework(uow: UnitOfWork, student_id: int) -> list[StudentHomework] | None:
    """The student's homework due in the last four weeks or later, newest due first (absent when none)."""
    rows = student_rows(uow.session, student_id, uow.now, [Homework.due_at >= uow.now - timedelta(days=28)],
                        limit=20)
    return rows or None


def marks(uow: UnitOfWork, student_id: int) -> list[Result] | None:
    """The student's test results, newest first (absent when none)."""
    return results_by_student(uow.session, [student_id])[student_id][:20] or None


@dataclass(frozen=True)
class FeesSection:
    """The student's dues, newest first, and what is still owed (formatted in the organisation's currency)."""

    dues: list[DueRow]
    owed_text: str
    overdue: int


def fees(uow: UnitOfWork, student_id: int) -> FeesSection | None:
    """The student's last twelve dues with paid / balance / status (absent when they have none)."""
    dues = rows_where(uow.session, local_today(uow.session, uow.now), FeeDue.student_id == student_id, limit=12)
    if not dues:
        return None
    owed = [d for d in dues if d.balance_minor > 0]
    return FeesSection(dues, money_text(sum(d.balance_minor for d in owed), currency_of(uow.session)),
                       sum(1 for d in owed if d.status == "overdue"))


register("attendance", "Attendance", attendance)
register("homework", "Homework", homework)
register("marks", "Tests and marks", marks)
register("fees", "Fees", fees)
register("announcements", "Announcements", announcements)
