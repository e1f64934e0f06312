"""Tests and marks in the domain, on both databases: who may create tests and enter marks (admins every
batch, teachers their own), the sheet's validation (0..max, absent, nothing saved on any error), the
CSV import (preview writes nothing, apply writes the valid rows), parents told once when the rule says so,
and the results a student, a parent and the portal see."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.attendance import batches
from domain.errors import Forbidden, InvalidField, InvalidInput, NotFound
from domain.marks import class_tests, csv_import, queries, sheet
from domain.models import AuditEntry, Notification, Role, RuleConfig, StudentMark
from domain.perms import services as perms
from tests.factories import SYSTEM, physics_class


@pytest.fixture
def school(db, make_person):
    made = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown", "Cy Chen"])
    made["admin"] = make_person(Role.ADMIN, "Ada Admin")
    made["other"] = make_person(Role.TEACHER, "Otto Other")
    made["art"] = batches.create_batch(db.uow(), SYSTEM, name="Art 7", teacher_ids=[made["other"].id])
    made["late"] = make_person(Role.STUDENT, "Lou Late")  # enrolled after the test
    batches.enrol(db.uow(), SYSTEM, made["batch"].id, made["late"].id, date(2026, 11, 20))
    return made


def web(person) -> Actor:
    return Actor.web(person.id, "203.0.113.9")


def new_test(db, school, by=None, **kw) -> int:
    args = {"name": "Unit test 1", "held_on": "2026-11-10", "max_marks": "20", **kw}
    return class_tests.create_test(db.uow(), web(by or school["teacher"]), school["batch"].id, args["name"],
                                   args["held_on"], args["max_marks"])


def test_teachers_mark_their_own_batches_and_admins_every_batch(db, school):
    test_id = new_test(db, school)
    assert new_test(db, school, by=school["admin"], name="Unit test 2") != test_id
    with pytest.raises(Forbidden):
        new_test(db, school, by=school["other"])
    with pytest.raises(NotFound):  # another teacher's test is "no such test", for reading and writing
        sheet.sheet(db.uow(readonly=True), web(school["other"]), test_id)
    with pytest.raises(NotFound):
        sheet.save_sheet(db.uow(), web(school["other"]), test_id, {school["students"][0].id: ("10", False)})
    with pytest.raises(Forbidden):  # a student or parent is no marker
        class_tests.list_tests(db.uow(readonly=True), web(school["students"][0]))
    assert [t.name for t in class_tests.list_tests(db.uow(readonly=True), web(school["other"]))] == []
    assert {t.name for t in class_tests.list_tests(db.uow(readonly=True), web(school["admin"]))} == {
        "Unit test 1", "Unit test 2"}
    # marks.enter is a named permission: revoked, the teacher can no longer mark even their own batch
    perms.set_permission(db.uow(), web(school["admin"]), school["teacher"].id, "marks.enter", "revoke")
    with pytest.raises(Forbidden):
        class_tests.list_tests(db.uow(readonly=True), web(school["teacher"]))
    for bad, field in ((dict(name=" "), "name"), (dict(held_on="10/11/2026"), "held_on"),
                       (dict(max_marks="0"), "max_marks"), (dict(max_marks="ten"), "max_marks"),
                       (dict(name="Unit test 1"), "name")):
        with pytest.raises(InvalidField) as err:
            new_test(db, school, by=school["admin"], **bad)
        assert err.value.field == field, bad
    with pytest.raises(InvalidField, match="Choose a batch"):
        class_tests.create_test(db.uow(), web(school["admin"]), None, "Quiz", "2026-11-10", "10")


def test_the_sheet_checks_every_entry_and_saves_nothing_on_a_mistake(db, school):
    test_id = new_test(db, school)
    amir, bea, cy = school["students"]
    lines = sheet.sheet(db.uow(readonly=True), web(school["teacher"]), test_id).lines
    assert [ln.name for ln in lines] == ["Amir Ahmed", "Bea Brown", "Cy Chen"]  # Lou joined after the test
    typed = {amir.id: ("21", False), bea.id: ("-1", False), cy.id: ("abc", False)}
    with pytest.raises(sheet.SheetErrors) as err:
        sheet.save_sheet(db.uow(), web(school["teacher"]), test_id, typed)
    assert err.value.errors == {amir.id: "21 is more than the maximum (20). Enter 0 to 20.",
                                bea.id: "Marks cannot be below 0. Enter 0 to 20.",
                                cy.id: "Enter a number from 0 to 20, or A for absent."}
    with pytest.raises(sheet.SheetErrors) as err:
        sheet.save_sheet(db.uow(), web(school["teacher"]), test_id, {amir.id: ("12", True), bea.id: ("7", False)})
    assert list(err.value.errors) == [amir.id]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(StudentMark)) == 0
    saved = sheet.save_sheet(db.uow(), web(school["teacher"]), test_id,
                             {amir.id: ("17.5", False), bea.id: ("", True), cy.id: ("", False)})
    assert (saved.changed, saved.parents_told) == (2, 0)  # the rule is off by default
    again = sheet.save_sheet(db.uow(), web(school["teacher"]), test_id,
                             {amir.id: ("17.5", False), bea.id: ("a", False), cy.id: ("20", False)})
    assert again.changed == 1
    with pytest.raises(InvalidInput, match="not on the test's sheet"):
        sheet.save_sheet(db.uow(), web(school["teacher"]), test_id, {school["late"].id: ("3", False)})
    figures = queries.summary(db.uow(readonly=True), web(school["teacher"]), test_id)
    assert (figures.students, figures.marked, figures.absent) == (3, 2, 1)
    assert (figures.average, figures.highest, figures.lowest) == (18.75, 20.0, 17.5)
    assert figures.buckets == [0] * 8 + [1, 1]
    with db.uow(readonly=True) as uow:
        entries = list(uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "marks.save")
                                           .order_by(AuditEntry.id)))
    assert [e.details["count"] for e in entries] == [2, 1]
    assert entries[0].details["changes"][str(amir.id)] == [None, 17.5] and entries[0].actor_id == school["teacher"].id
    with pytest.raises(InvalidField, match="cannot be lower"):  # a maximum under a mark already given
        class_tests.update_test(db.uow(), web(school["teacher"]), test_id, "Unit test 1", "2026-11-10", "19")


def test_the_csv_import_previews_then_writes_the_valid_rows_once(db, school):
    test_id = new_test(db, school)
    amir, bea, cy = school["students"]
    teacher = web(school["teacher"])
    sheet.save_sheet(db.uow(), teacher, test_id, {cy.id: ("5", False)})
    text = ("\ufeffStudent,Marks\n"
            f"{amir.phone},18\n"
            "bea brown,A\n"
            "Cy Chen,6\n"
            "Amir Ahmed,3\n"
            "Lou Late,4\n"
            "Nobody Here,4\n"
            "Cy Chen,99\n")
    preview = csv_import.preview(db.uow(readonly=True), teacher, test_id, text)
    assert [(r.line, r.action) for r in preview.rows] == [
        (2, "new"), (3, "new"), (4, "change"), (5, "error"), (6, "error"), (7, "error"), (8, "error")]
    assert [r.error for r in preview.rows if not r.ok] == [
        "This student is also on an earlier line.", "Lou Late is not in this batch on the test's date.",
        "No student called 'Nobody Here'.", "This student is also on an earlier line."]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(StudentMark)) == 1
    saved = csv_import.apply(db.uow(), teacher, test_id, text)
    assert saved.changed == 3
    results = {r.student_id: r for r in (queries.my_results(db.uow(readonly=True), web(s))[0] for s in (amir, bea))}
    assert results[amir.id].results[0].text == "18/20 (90%)"
    assert results[bea.id].results[0].text == "absent"
    again = csv_import.preview(db.uow(readonly=True), teacher, test_id, text)
    assert again.writable == 0 and again.count("same") == 3
    for bad, words in (("", "empty"), ("name,marks\nA,1\n", "student is required"),
                       ("student,score\nA,1\n", "Unknown column")):
        with pytest.raises(InvalidInput, match=words):
            csv_import.preview(db.uow(readonly=True), teacher, test_id, bad)
    with pytest.raises(NotFound):
        csv_import.apply(db.uow(), web(school["other"]), test_id, text)


def test_parents_are_told_once_when_the_rule_is_on_and_see_each_child(db, school):
    amir, bea, _cy = school["students"]
    p0, p1 = school["parents"]  # Parent 0: Amir; Parent 1: Amir and Bea
    with db.uow() as uow:
        uow.session.add(RuleConfig(scope=f"batch:{school['batch'].id}", key="marks.notify_parents",
                                   value={"value": True}, updated_at=uow.now))
        uow.commit()
    test_id = new_test(db, school)
    saved = sheet.save_sheet(db.uow(), web(school["teacher"]), test_id, {amir.id: ("15", False), bea.id: ("", True)})
    assert saved.parents_told == 3
    sheet.save_sheet(db.uow(), web(school["teacher"]), test_id, {amir.id: ("16", False), bea.id: ("9", False)})
    with db.uow(readonly=True) as uow:
        told = sorted((n.recipient_id, n.data["student_id"]) for n in uow.session.scalars(
            select(Notification).where(Notification.kind == "mark_result")))
    assert told == sorted([(p0.id, amir.id), (p1.id, amir.id), (p1.id, bea.id)])  # a correction tells nobody again
    mine = queries.my_results(db.uow(readonly=True), web(p1))
    assert [(s.name, [r.text for r in s.results]) for s in mine] == [
        ("Amir Ahmed", ["16/20 (80%)"]), ("Bea Brown", ["9/20 (45%)"])]
    assert [s.name for s in queries.my_results(db.uow(readonly=True), web(p0))] == ["Amir Ahmed"]
    with pytest.raises(Forbidden):
        queries.my_results(db.uow(readonly=True), web(school["teacher"]))
    portal = queries.results_for_student(db.uow(readonly=True), amir.id)
    assert [(r.test, r.batch, r.held_on, r.marks, r.max_marks, r.percent) for r in portal] == [
        ("Unit test 1", "Physics 10", date(2026, 11, 10), 16.0, 20, 80.0)]
    assert queries.result_of(db.uow(readonly=True), test_id, bea.id)[1].text == "9/20 (45%)"
    many = queries.results_for_students(db.uow(readonly=True), [amir.id, bea.id, school["students"][2].id])
    assert [[r.text for r in many[s.id]] for s in school["students"]] == [["16/20 (80%)"], ["9/20 (45%)"], []]
