"""Results, read-only: a student's results (for the portal and the risk engine: `results_for_student`),
a student's or parent's own view (`my_results`), and a test's summary (average, highest, distribution)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.actors import Actor, load_active
from domain.errors import Forbidden
from domain.marks import access
from domain.marks.class_tests import ClassTestRow, rows_where
from domain.marks.sheet import roster
from domain.models import Batch, ClassTest, ParentLink, Person, Role, StudentMark
from domain.uow import UnitOfWork

BUCKETS = 10  # the distribution: 0-9 %, 10-19 %, ..., 90-100 %


@dataclass(frozen=True)
class Result:
    """One student's result in one test."""

    test_id: int
    test: str
    batch_id: int
    batch: str
    held_on: date
    marks: float | None  # None when absent
    max_marks: int
    absent: bool

    @property
    def percent(self) -> float | None:
        return None if self.marks is None else self.marks / self.max_marks * 100

    @property
    def text(self) -> str:
        """"17/20 (85%)" or "absent"."""
        if self.marks is None:
            return "absent"
        return f"{self.marks:g}/{self.max_marks} ({self.percent:.0f}%)"


@dataclass(frozen=True)
class StudentResults:
    student_id: int
    name: str
    results: list[Result]


@dataclass(frozen=True)
class Summary:
    test: ClassTestRow
    students: int  # on the sheet
    marked: int  # with marks
    absent: int
    average: float | None
    highest: float | None
    lowest: float | None
    buckets: list[int]  # how many students scored in each tenth of the maximum

    @property
    def average_percent(self) -> float | None:
        return None if self.average is None else self.average / self.test.max_marks * 100


def results_by_student(session: Session, student_ids: list[int]) -> dict[int, list[Result]]:
    """Every result of each student, newest test first, in one query (inside a caller's session)."""
    q = (select(StudentMark.student_id, ClassTest.id, ClassTest.name, Batch.id, Batch.name, ClassTest.held_on,
                StudentMark.marks, ClassTest.max_marks, StudentMark.absent)
         .join(ClassTest, ClassTest.id == StudentMark.test_id).join(Batch, Batch.id == ClassTest.batch_id)
         .where(StudentMark.student_id.in_(student_ids))
         .order_by(ClassTest.held_on.desc(), ClassTest.name, ClassTest.id))
    found: dict[int, list[Result]] = {i: [] for i in student_ids}
    for s, t, n, b, bn, d, m, mx, a in session.execute(q):
        found[s].append(Result(t, n, b, bn, d, None if m is None else float(m), mx, bool(a)))
    return found


def _results(session: Session, student_id: int) -> list[Result]:
    return results_by_student(session, [student_id])[student_id]


def results_for_student(uow: UnitOfWork, student_id: int) -> list[Result]:
    """Every result the student has (marks or absent), newest test first. No permission check: callers
    (the portal, the risk engine) decide who may see whose."""
    with uow:
        return _results(uow.session, student_id)


def results_for_students(uow: UnitOfWork, student_ids: list[int]) -> dict[int, list[Result]]:
    """`results_for_student` for many students in one query (the risk engine's nightly run)."""
    with uow:
        return results_by_student(uow.session, list(dict.fromkeys(student_ids)))


def my_results(uow: UnitOfWork, actor: Actor) -> list[StudentResults]:
    """A student's own results, or a parent's per child (by name); others are refused."""
    with uow:
        me = load_active(uow.session, actor)
        if me.role == Role.STUDENT:
            people = [(me.id, me.name)]
        elif me.role == Role.PARENT:
            people = [(i, n) for i, n in uow.session.execute(
                select(Person.id, Person.name).join(ParentLink, ParentLink.child_id == Person.id)
                .where(ParentLink.parent_id == me.id).order_by(Person.name, Person.id))]
        else:
            raise Forbidden("Results are for students and parents; staff see them per test in the console (Marks).")
        return [StudentResults(i, n, _results(uow.session, i)) for i, n in people]


def result_of(uow: UnitOfWork, test_id: int, student_id: int) -> tuple[str, Result | None]:
    """The student's name and their result in one test (None when none), for a parent's message."""
    with uow:
        person = uow.session.get(Person, student_id)
        found = [r for r in _results(uow.session, student_id) if r.test_id == test_id]
        return (person.name if person else "Your child"), (found[0] if found else None)


def summary(uow: UnitOfWork, actor: Actor, test_id: int) -> Summary:
    """A test's figures: students on the sheet, marked, absent, average, highest, lowest, distribution."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        row = rows_where(uow.session, ClassTest.id == test.id)[0]
        marks = [float(m) for m in uow.session.scalars(
            select(StudentMark.marks).where(StudentMark.test_id == test.id, StudentMark.marks.is_not(None)))]
        buckets = [0] * BUCKETS
        for m in marks:
            buckets[min(int(m / test.max_marks * BUCKETS), BUCKETS - 1)] += 1
        return Summary(row, len(roster(uow.session, test)), len(marks), row.absent,
                       sum(marks) / len(marks) if marks else None, max(marks, default=None),
                       min(marks, default=None), buckets)
