"""Creating and changing a batch's tests, and the list of tests a viewer may mark.

A test has a name (1-120 characters), a date (YYYY-MM-DD, the batch sat it that day; the sheet lists the
students enrolled on it) and maximum marks (1-1000). The same name on the same day in one batch is one
test. Every change is audited."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from domain import audit
from domain.actors import Actor
from domain.errors import InvalidField, InvalidInput
from domain.marks import access
from domain.models import Batch, ClassTest, StudentMark
from domain.textinput import check_text
from domain.timeparse import parse_iso_date
from domain.uow import UnitOfWork

MAX_NAME = 120
MAX_MARKS = 1000


@dataclass(frozen=True)
class ClassTestRow:
    """A test as lists show it."""

    id: int
    batch_id: int
    batch: str
    name: str
    held_on: date
    max_marks: int
    entered: int  # students with marks
    absent: int
    average: float | None  # of the marks entered (absent students not counted)

    @property
    def average_percent(self) -> float | None:
        return None if self.average is None else self.average / self.max_marks * 100


def clean_name(raw: str) -> str:
    """A test's name with spaces collapsed; InvalidField when empty or too long."""
    try:
        name = " ".join(check_text(raw or "", "The name", multiline=False).split())
    except InvalidInput as exc:
        raise InvalidField("name", exc.message) from None
    if not name:
        raise InvalidField("name", "Give the test a name, e.g. Unit test 3.")
    if len(name) > MAX_NAME:
        raise InvalidField("name", f"The name is too long (at most {MAX_NAME} characters).")
    return name


def parse_day(raw: str | date) -> date:
    """The test's date; InvalidField("held_on") when it is not a date."""
    if isinstance(raw, date):
        return raw
    try:
        return parse_iso_date(raw, "Give the test's date as YYYY-MM-DD.")
    except InvalidInput as exc:
        raise InvalidField("held_on", exc.message) from None


def parse_max(raw: str | int) -> int:
    """The maximum marks, a whole number from 1 to 1000; InvalidField("max_marks") otherwise."""
    text = str(raw).strip()
    if re.fullmatch(r"[0-9]{1,5}", text) is None or not 1 <= int(text) <= MAX_MARKS:
        raise InvalidField("max_marks", f"Give the maximum marks as a whole number from 1 to {MAX_MARKS}.")
    return int(text)


def _unique(session: Session, batch_id: int, name: str, held_on: date, test_id: int | None = None) -> None:
    q = select(ClassTest.id).where(ClassTest.batch_id == batch_id, func.lower(ClassTest.name) == name.lower(),
                                   ClassTest.held_on == held_on)
    if test_id is not None:
        q = q.where(ClassTest.id != test_id)
    if session.scalar(q) is not None:
        raise InvalidField("name", f"This batch already has a test called {name} on {held_on:%Y-%m-%d}.")


def create_test(uow: UnitOfWork, actor: Actor, batch_id: int | None, name: str, held_on: str | date,
                max_marks: str | int) -> int:
    """Add a test to a batch (its teachers or admins); returns its id."""
    with uow:
        if batch_id is None:
            access.marker(uow.session, actor)
            raise InvalidField("batch_id", "Choose a batch.")
        _me, batch = access.batch_for(uow.session, actor, batch_id)
        name_, day, top = clean_name(name), parse_day(held_on), parse_max(max_marks)
        if not batch.active:
            raise InvalidField("batch_id", f"{batch.name} is inactive.")
        _unique(uow.session, batch.id, name_, day)
        test = ClassTest(batch_id=batch.id, name=name_, held_on=day, max_marks=top, created_by=actor.person_id,
                         created_at=uow.now, updated_at=uow.now)
        uow.session.add(test)
        uow.session.flush()
        audit.record(uow.session, actor, "marks.test_create", "class_test", test.id, uow.now, batch_id=batch.id,
                     name=name_, held_on=day.isoformat(), max_marks=top)
        uow.commit()
        return test.id


def update_test(uow: UnitOfWork, actor: Actor, test_id: int, name: str, held_on: str | date,
                max_marks: str | int) -> None:
    """Change a test's name, date or maximum (not below a mark already entered)."""
    with uow:
        _me, test, _batch = access.load_test(uow.session, actor, test_id)
        name_, day, top = clean_name(name), parse_day(held_on), parse_max(max_marks)
        _unique(uow.session, test.batch_id, name_, day, test.id)
        highest = uow.session.scalar(select(func.max(StudentMark.marks)).where(StudentMark.test_id == test.id))
        if highest is not None and top < highest:
            raise InvalidField("max_marks", f"A student has {highest:g} already; the maximum cannot be lower.")
        old = {"name": test.name, "held_on": test.held_on.isoformat(), "max_marks": test.max_marks}
        test.name, test.held_on, test.max_marks, test.updated_at = name_, day, top, uow.now
        audit.record(uow.session, actor, "marks.test_update", "class_test", test.id, uow.now, old=old,
                     new={"name": name_, "held_on": day.isoformat(), "max_marks": top})
        uow.commit()


def rows_where(session: Session, *conditions: object) -> list[ClassTestRow]:
    q = (select(ClassTest.id, ClassTest.batch_id, Batch.name, ClassTest.name, ClassTest.held_on,
                ClassTest.max_marks, func.count(StudentMark.marks),
                func.coalesce(func.sum(case((StudentMark.absent.is_(True), 1), else_=0)), 0),
                func.avg(StudentMark.marks))
         .join(Batch, Batch.id == ClassTest.batch_id)
         .outerjoin(StudentMark, StudentMark.test_id == ClassTest.id)
         .where(*conditions)  # type: ignore[arg-type]
         .group_by(ClassTest.id, ClassTest.batch_id, Batch.name, ClassTest.name, ClassTest.held_on,
                   ClassTest.max_marks)
         .order_by(ClassTest.held_on.desc(), Batch.name, ClassTest.name))
    return [ClassTestRow(i, b, bn, n, d, m, int(e), int(a), None if avg is None else float(avg))
            for i, b, bn, n, d, m, e, a, avg in session.execute(q)]


def list_tests(uow: UnitOfWork, actor: Actor, batch_id: int | None = None) -> list[ClassTestRow]:
    """The tests of the batches the viewer may mark, newest first (one batch's when given)."""
    with uow:
        me = access.marker(uow.session, actor)
        conditions = [access.batch_scope(uow.session, me)]
        if batch_id is not None:
            conditions.append(ClassTest.batch_id == batch_id)
        return rows_where(uow.session, *conditions)


def row_of(uow: UnitOfWork, actor: Actor, test_id: int) -> ClassTestRow:
    """One test as lists show it (NotFound unless the viewer may mark it)."""
    with uow:
        access.load_test(uow.session, actor, test_id)
        return rows_where(uow.session, ClassTest.id == test_id)[0]


def batch_choices(uow: UnitOfWork, actor: Actor) -> list[tuple[int, str]]:
    """The active batches the viewer may add tests to, by name."""
    with uow:
        me = access.marker(uow.session, actor)
        return [(i, n) for i, n in uow.session.execute(
            select(Batch.id, Batch.name).where(Batch.active.is_(True), access.batch_scope(uow.session, me))
            .order_by(Batch.name))]
