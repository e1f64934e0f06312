"""Task reads: one row type, one filter, one urgency order, and the teacher scope written once, on SQLite
and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.actors import Actor
from domain.errors import Forbidden, InvalidInput, NotFound
from domain.groups import services as groups
from domain.models import Priority, Role, TaskStatus
from domain.ops import insights
from domain.tasks import dashboard, queries, targets
from domain.tasks import services as tasks
from domain.tasks.queries import MAX_PAGE, TaskFilter, TaskOrder, TaskRow, urgency_key


def _assign(db, who, clock, **kw):
    kw.setdefault("title", "Read chapter 3")
    kw.setdefault("due_at", clock.now() + timedelta(days=1))
    return tasks.assign(db.uow(), who, tasks.AssignmentSpec(**kw))


@pytest.fixture
def school(db, make_person, clock):
    """An admin, a teacher running one group of two, an outsider and tasks inside and outside the scope."""
    admin, teacher = make_person(Role.ADMIN), make_person(Role.TEACHER)
    inside, also_inside, outside = (make_person(Role.STUDENT) for _ in range(3))
    boss, sir = Actor.telegram(admin.id), Actor.telegram(teacher.id)
    group = groups.create_group(db.uow(), Actor.system(), "Maths", [inside.id, also_inside.id], owner_id=teacher.id)
    _assign(db, sir, clock, title="Teacher's own", group_ids=[group.id])  # 2 tasks, in scope
    _assign(db, boss, clock, title="Admin to the group", person_ids=[inside.id])  # in scope: a member's
    _assign(db, boss, clock, title="Admin to an outsider", person_ids=[outside.id])  # out of scope
    return admin, teacher, inside, outside, boss, sir


def test_one_row_type_for_console_api_bot_dashboard_and_transitions(db, school, clock):
    _admin, _teacher, inside, _outside, boss, _sir = school
    me = Actor.telegram(inside.id)
    listed = queries.search_tasks(db.uow(readonly=True), boss, TaskFilter(assignee_id=inside.id)).items
    by_api = queries.search_tasks(db.uow(readonly=True), boss, TaskFilter(assignee_id=inside.id),
                                  order=TaskOrder.DUE).items
    own = queries.person_tasks(db.uow(readonly=True), me, inside.id).items
    cards, total = queries.open_tasks(db.uow(readonly=True), me, clock.now(), 10)
    board = dashboard.person_dashboard(db.uow(readonly=True), inside.id)
    card = queries.task_card(db.uow(readonly=True), cards[0].id, with_progress=True)
    result = tasks.start_task(db.uow(), me, cards[0].id)
    for rows in (listed, by_api, own, cards, board.open_tasks, [card, result.task]):
        assert rows and all(type(r) is TaskRow for r in rows)
    assert total == 2 and {r.id for r in listed} == {r.id for r in own} == {r.id for r in board.open_tasks}
    assert card.assignee_name == inside.name and card.total_count >= 1 and card.assignee_timezone is None
    assert result.task.status == TaskStatus.IN_PROGRESS and result.task.assignee_name == inside.name
    assert result.task.started_at == clock.now() and result.changed


def test_teacher_scope_is_one_rule_for_search_csv_insights_and_options(db, school, clock):
    _admin, _teacher, inside, outside, boss, sir = school
    assert queries.search_tasks(db.uow(readonly=True), boss).total == 4
    page = queries.search_tasks(db.uow(readonly=True), sir)
    assert page.total == 3 and outside.id not in {r.assignee_id for r in page.items}
    csv_lines = queries.tasks_csv(db.uow(readonly=True), sir).strip().splitlines()
    assert len(csv_lines) == 1 + 3 and "Admin to an outsider" not in "".join(csv_lines)
    start, end = clock.now() - timedelta(days=1), clock.now() + timedelta(days=1)
    assert insights.insights(db.uow(readonly=True), sir, start, end, "UTC").total.assigned == 3
    assert insights.insights(db.uow(readonly=True), boss, start, end, "UTC").total.assigned == 4
    options = queries.task_filter_options(db.uow(readonly=True), sir)
    assert outside.id not in {i for i, _ in options.people} and len(options.assignments) == 2
    with pytest.raises(Forbidden):
        queries.search_tasks(db.uow(readonly=True), Actor.telegram(inside.id))


def test_one_persons_tasks_for_themself_admins_and_their_teacher(db, school):
    _admin, _teacher, inside, outside, boss, sir = school
    assert queries.person_tasks(db.uow(readonly=True), sir, inside.id).total == 2
    assert queries.person_tasks(db.uow(readonly=True), boss, outside.id).total == 1
    assert queries.person_tasks(db.uow(readonly=True), Actor.telegram(outside.id), outside.id).total == 1
    with pytest.raises(Forbidden, match="people in your groups"):
        queries.person_tasks(db.uow(readonly=True), sir, outside.id)
    with pytest.raises(Forbidden):
        queries.person_tasks(db.uow(readonly=True), Actor.telegram(inside.id), outside.id)
    with pytest.raises(NotFound):
        queries.person_tasks(db.uow(readonly=True), boss, 999_999)


def test_one_filter_and_one_page_limit(db, school, clock):
    _admin, _teacher, inside, _outside, boss, _sir = school
    uow = lambda: db.uow(readonly=True)  # noqa: E731
    assert queries.search_tasks(uow(), boss, TaskFilter(text="  OUTSIDER ")).total == 1
    assert queries.search_tasks(uow(), boss, TaskFilter(overdue=True)).total == 0
    soon = clock.now() + timedelta(days=1)
    assert queries.search_tasks(uow(), boss, TaskFilter(due_from=soon, due_to=soon, assignee_id=inside.id)).total == 2
    assert queries.search_tasks(uow(), boss, TaskFilter(status=TaskStatus.DONE)).total == 0
    clock.advance(days=2)
    assert queries.search_tasks(uow(), boss, TaskFilter(overdue=True, text="teacher")).total == 2
    with pytest.raises(InvalidInput, match="time zone"):
        queries.search_tasks(uow(), boss, TaskFilter(due_from=soon.replace(tzinfo=None)))
    assert queries.search_tasks(uow(), boss, limit=MAX_PAGE).limit == MAX_PAGE
    with pytest.raises(InvalidInput, match=f"between 1 and {MAX_PAGE}"):
        queries.search_tasks(uow(), boss, limit=MAX_PAGE + 1)
    with pytest.raises(InvalidInput, match=f"between 1 and {MAX_PAGE}"):
        queries.person_tasks(uow(), boss, inside.id, limit=MAX_PAGE + 1)


def test_the_sql_urgency_order_is_the_python_one(db, make_person, clock):
    admin, s = make_person(Role.ADMIN), make_person(Role.STUDENT)
    boss, me = Actor.telegram(admin.id), Actor.telegram(s.id)
    now = clock.now()
    for i, (hours, priority) in enumerate([(5, Priority.LOW), (None, Priority.URGENT), (1, Priority.NORMAL),
                                           (5, Priority.URGENT), (None, Priority.LOW), (1, Priority.HIGH)]):
        _assign(db, boss, clock, title=f"t{i}", person_ids=[s.id], priority=priority,
                due_at=None if hours is None else now + timedelta(hours=hours))
    clock.advance(hours=3)  # the ones due in an hour are overdue now
    later = clock.now()
    rows, total = queries.open_tasks(db.uow(readonly=True), me, later, 10)
    assert total == 6 and rows == sorted(rows, key=lambda r: urgency_key(r, later))
    assert [r.title for r in rows] == ["t5", "t2", "t3", "t0", "t1", "t4"]
    board = dashboard.person_dashboard(db.uow(readonly=True), s.id)
    assert [r.id for r in board.open_tasks] == [r.id for r in rows]
    assert [r.is_overdue(later) for r in rows] == [True, True, False, False, False, False]


def test_bot_reads_authorise_from_the_actor(db, school, make_person):
    admin, _teacher, inside, outside, boss, sir = school
    student = Actor.telegram(inside.id)
    with pytest.raises(Forbidden, match=r"Only teachers and admins assign tasks\."):
        queries.assigned_by(db.uow(readonly=True), student)
    with pytest.raises(Forbidden, match=r"Only teachers and admins can assign tasks\."):
        targets.check_assigner(db.uow(readonly=True), student)
    targets.check_assigner(db.uow(readonly=True), sir)
    assert [s.title for s in queries.assigned_by(db.uow(readonly=True), sir)] == ["Teacher's own"]
    assert targets.assignable_targets(db.uow(readonly=True), student) == []
    mine = targets.assignable_targets(db.uow(readonly=True), sir)
    assert [t.label for t in mine if t.kind == "group"] == ["Maths (2)"]
    people = {t.id for t in mine if t.kind == "person"}
    assert len(people) == 2 and inside.id in people and outside.id not in people
    assert [t.id for t in targets.assignable_targets(db.uow(readonly=True), sir, "nobody")] == []
    everyone = targets.assignable_targets(db.uow(readonly=True), boss)
    assert outside.id in {t.id for t in everyone if t.kind == "person"}
    assert admin.id not in {t.id for t in everyone if t.kind == "person"}


def test_reopen_is_authorised_before_the_reason_and_a_bad_reason_is_invalid_input(db, school, clock):
    _admin, _teacher, _inside, outside, boss, sir = school
    task = queries.search_tasks(db.uow(readonly=True), boss, TaskFilter(assignee_id=outside.id)).items[0]
    tasks.complete_task(db.uow(), Actor.telegram(outside.id), task.id)
    with pytest.raises(Forbidden, match="can reopen it"):
        tasks.check_reopen(db.uow(readonly=True), sir, task.id)
    with pytest.raises(NotFound):
        tasks.check_reopen(db.uow(readonly=True), boss, 999_999)
    row = tasks.check_reopen(db.uow(readonly=True), boss, task.id)
    assert row.title == "Admin to an outsider" and row.assignee_name == outside.name
    for reason in ("", "x" * 1001):
        with pytest.raises(InvalidInput):
            tasks.reopen_task(db.uow(), boss, task.id, reason)
    assert tasks.reopen_task(db.uow(), boss, task.id, "Again, please").task.reopen_count == 1
