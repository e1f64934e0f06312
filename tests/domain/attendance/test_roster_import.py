"""The roster CSV import in the domain: people by name or phone, each bad row explained, the preview
writes nothing, the import writes the valid rows once (a second import changes nothing), admins only."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.attendance import batches, roster_import
from domain.errors import Forbidden, InvalidInput
from domain.models import AuditEntry, Enrolment, ParentLink, Role

TODAY = date(2026, 11, 2)


@pytest.fixture
def org(db, make_person):
    made = {"admin": make_person(Role.ADMIN, "Ada Admin"), "tess": make_person(Role.TEACHER, "Tess Teacher"),
            "amir": make_person(Role.STUDENT, "Amir Ahmed"), "bea": make_person(Role.STUDENT, "Bea Brown"),
            "twin1": make_person(Role.STUDENT, "Sam Lee"), "twin2": make_person(Role.STUDENT, "Sam Lee"),
            "pat": make_person(Role.PARENT, "Pat Parent")}
    made["physics"] = batches.create_batch(db.uow(), Actor.system(), name="Physics 10")
    made["old"] = batches.create_batch(db.uow(), Actor.system(), name="Old Art")
    batches.deactivate_batch(db.uow(), Actor.system(), made["old"].id)
    return made


def test_preview_explains_each_row_and_apply_writes_once(db, org):
    admin = Actor.web(org["admin"].id, None)
    text = ("\ufeffStudent,Batch,Enrolled_on,Parent\n"
            f"{org['amir'].phone},physics 10,2026-10-01,Pat Parent\n"
            "Bea Brown,,,\n"
            "Sam Lee,Physics 10,,\n"
            "Bea Brown,Old Art,,\n"
            "Bea Brown,Physics 10,,Tess Teacher\n"
            "Amir Ahmed,Physics 10,,\n")
    preview = roster_import.preview(db.uow(readonly=True), admin, text, TODAY)
    assert [(r.line, r.action) for r in preview.rows] == [
        (2, "enrol and link"), (3, "error"), (4, "error"), (5, "error"), (6, "error"), (7, "error")]
    errors = [r.error for r in preview.rows if not r.ok]
    assert errors == ["Give a batch, a parent, or both.", "Several students are called 'Sam Lee'; use their phone.",
                      "Old Art is inactive.", "No parent called 'Tess Teacher'.",
                      "This enrolment is also on an earlier line."]
    with db.uow(readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Enrolment)) == 0
    result = roster_import.apply(db.uow(), admin, text, TODAY)
    assert (result.enrolled, result.linked, result.skipped) == (1, 1, 5)
    with db.uow(readonly=True) as uow:
        row = uow.session.get(Enrolment, (org["physics"].id, org["amir"].id))
        assert row.enrolled_on == date(2026, 10, 1)
        assert uow.session.get(ParentLink, (org["pat"].id, org["amir"].id)) is not None
        assert uow.session.scalar(select(func.count()).select_from(AuditEntry).where(
            AuditEntry.action == "rosters.import")) == 1
    again = roster_import.preview(db.uow(readonly=True), admin, text, TODAY)
    assert again.rows[0].action == "same" and again.writable == 0


def test_a_bad_file_is_refused_whole_and_only_admins_import(db, org):
    admin = Actor.web(org["admin"].id, None)
    for text, words in (("", "empty"), ("name,phone\nA,B\n", "student is required"),
                        ("student,room\nA,B\n", "Unknown column"), ("student,batch\n", "no rows")):
        with pytest.raises(InvalidInput, match=words):
            roster_import.preview(db.uow(readonly=True), admin, text, TODAY)
    with pytest.raises(Forbidden):
        roster_import.preview(db.uow(readonly=True), Actor.web(org["tess"].id, None), "student\nA\n", TODAY)
