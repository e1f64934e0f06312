"""The marks sheet of one test: the students enrolled in the batch on the test's date (and anyone who
has a mark already), each with their marks or absent; saving checks every entry first and writes nothing
unless all are valid (a message per student otherwise), then writes the changes in one transaction with
one audit entry. The CSV import (domain.marks.csv_import) writes through `write_marks` too.

When the rule `marks.notify_parents` holds for the batch, a student's parents are told the first time a
result (marks or absent) is entered for them in a test (kind `mark_result`, once per test, child and parent).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidInput
from domain.marks import access
from domain.marks.class_tests import ClassTestRow, rows_where
from domain.models import ClassTest, Enrolment, ParentLink, Person, PersonStatus, StudentMark
from domain.outbox import Intent, NotificationKind, enqueue
from domain.rules import rule_in
from domain.uow import UnitOfWork

ABSENT_WORDS = frozenset({"a", "ab", "abs", "absent"})
NUMBER = re.compile(r"[0-9]{1,4}(?:[.,][0-9]{1,2})?")
MAX_AUDITED = 200

Entry = tuple[float | None, bool] | None  # (marks, absent), or None: no result


@dataclass(frozen=True)
class SheetLine:
    student_id: int
    name: str
    marks: float | None
    absent: bool

    @property
    def value(self) -> str:
        """What the sheet's field shows: the marks ("17.5", "18"), else empty."""
        return "" if self.marks is None else f"{self.marks:g}"


@dataclass(frozen=True)
class Sheet:
    test: ClassTestRow
    lines: list[SheetLine]


@dataclass(frozen=True)
class Saved:
    changed: int
    parents_told: int


class SheetErrors(InvalidInput):
    """Some entries are wrong: `errors` maps a student's id to what is wrong; nothing was saved."""

    def __init__(self, errors: dict[int, str]) -> None:
        n = len(errors)
        super().__init__(f"{n} {'mark needs' if n == 1 else 'marks need'} correcting; nothing was saved.")
        self.errors = errors


def parse_entry(raw: str, absent: bool, max_marks: int) -> Entry:
    """One entry as typed: marks 0..max (a decimal with up to two places), "A"/"absent" (or the Absent
    box) for absent, empty for no result; InvalidInput with a message for the field otherwise."""
    text = (raw or "").strip()
    if text.lower() in ABSENT_WORDS:
        return (None, True)
    if absent:
        if text:
            raise InvalidInput("Leave the marks empty for an absent student, or untick Absent.")
        return (None, True)
    if not text:
        return None
    if text.startswith("-") and NUMBER.fullmatch(text[1:]):
        raise InvalidInput(f"Marks cannot be below 0. Enter 0 to {max_marks}.")
    if NUMBER.fullmatch(text) is None:
        raise InvalidInput(f"Enter a number from 0 to {max_marks}, or A for absent.")
    value = float(text.replace(",", "."))
    if value > max_marks:
        raise InvalidInput(f"{value:g} is more than the maximum ({max_marks}). Enter 0 to {max_marks}.")
    return (value, False)


def roster(session: Session, test: ClassTest) -> list[tuple[int, str]]:
    """The students on a test's sheet: enrolled in the batch on its date, and anyone with a result in it."""
    on = test.held_on
    enrolled = select(Enrolment.student_id).where(
        Enrolment.batch_id == test.batch_id, Enrolment.enrolled_on <= on,
        or_(Enrolment.left_on.is_(None), Enrolment.left_on > on))
    marked = select(StudentMark.student_id).where(StudentMark.test_id == test.id)
    return [(i, n) for i, n in session.execute(
        select(Person.id, Person.name).where(or_(Person.id.in_(enrolled), Person.id.in_(marked)))
        .order_by(Person.name, Person.id))]


def current_marks(session: Session, test_id: int) -> dict[int, StudentMark]:
    return {m.student_id: m for m in session.scalars(select(StudentMark).where(StudentMark.test_id == test_id))}


def sheet(uow: UnitOfWork, actor: Actor, test_id: int) -> Sheet:
    """The test and one line per student on its sheet, with what is entered."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        have = current_marks(uow.session, test.id)
        lines = [SheetLine(i, n, have[i].marks if i in have else None, bool(have[i].absent) if i in have else False)
                 for i, n in roster(uow.session, test)]
        return Sheet(rows_where(uow.session, ClassTest.id == test.id)[0], lines)


def _same(row: StudentMark | None, entry: Entry) -> bool:
    if row is None or entry is None:
        return row is None and entry is None
    return (row.marks, bool(row.absent)) == entry


def write_marks(session: Session, actor: Actor, test: ClassTest, entries: dict[int, Entry], now: datetime,
                via: str) -> Saved:
    """Apply checked entries (student id -> entry) to a test: add, change or remove results, tell parents of
    first results when the rule says so, and audit the changes in one entry. Unchanged entries are skipped."""
    have = current_marks(session, test.id)
    changes: dict[str, list[object]] = {}
    first: list[int] = []
    for student_id, entry in entries.items():
        row = have.get(student_id)
        if _same(row, entry):
            continue
        old = None if row is None else ("absent" if row.absent else row.marks)
        if entry is None:
            assert row is not None
            session.delete(row)
        elif row is None:
            session.add(StudentMark(test_id=test.id, student_id=student_id, marks=entry[0], absent=entry[1],
                                    entered_by=actor.person_id, entered_at=now))
            first.append(student_id)
        else:
            row.marks, row.absent, row.entered_by, row.entered_at = entry[0], entry[1], actor.person_id, now
        changes[str(student_id)] = [old, None if entry is None else ("absent" if entry[1] else entry[0])]
    if not changes:
        return Saved(0, 0)
    told = _tell_parents(session, test, first, now)
    audit.record(session, actor, "marks.save", "class_test", test.id, now, via=via, count=len(changes),
                 changes=dict(list(changes.items())[:MAX_AUDITED]), parents_told=told)
    return Saved(len(changes), told)


def _tell_parents(session: Session, test: ClassTest, students: list[int], now: datetime) -> int:
    if not students or not rule_in(session, "marks.notify_parents", f"batch:{test.batch_id}"):
        return 0
    links = session.execute(select(ParentLink.parent_id, ParentLink.child_id)
                            .join(Person, Person.id == ParentLink.parent_id)
                            .where(ParentLink.child_id.in_(students), Person.status != PersonStatus.DISABLED)).all()
    intents = [Intent(NotificationKind.MARK_RESULT, parent, f"mark:{test.id}:{child}:{parent}",
                      {"test_id": test.id, "student_id": child}, "class_test", test.id)
               for parent, child in links]
    enqueue(session, intents, now)
    return len(intents)


def save_sheet(uow: UnitOfWork, actor: Actor, test_id: int, typed: dict[int, tuple[str, bool]]) -> Saved:
    """Save the sheet: `typed` maps a student's id to (the marks field, the Absent box). Every entry is
    checked first; any error raises SheetErrors and nothing is written."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        on_sheet = {i for i, _n in roster(uow.session, test)}
        errors: dict[int, str] = {}
        entries: dict[int, Entry] = {}
        for student_id, (raw, absent) in typed.items():
            if student_id not in on_sheet:
                raise InvalidInput("A student on this form is not on the test's sheet; open the page again.")
            try:
                entries[student_id] = parse_entry(raw, absent, test.max_marks)
            except InvalidInput as exc:
                errors[student_id] = exc.message
        if errors:
            raise SheetErrors(errors)
        return commit_marks(uow, actor, test, entries, "sheet")


def commit_marks(uow: UnitOfWork, actor: Actor, test: ClassTest, entries: dict[int, Entry], via: str) -> Saved:
    """write_marks and commit, in an open unit of work; a result written meanwhile by someone else (the
    same student's first mark saved twice at once) refuses the whole save rather than failing."""
    try:
        saved = write_marks(uow.session, actor, test, entries, uow.now, via)
        uow.commit()
    except IntegrityError:
        raise InvalidInput("Someone saved marks for this test at the same moment; nothing of yours was saved. "
                           "Open the page again and retry.") from None
    return saved
