"""Setting classes up in the console over HTTP: a batch, its weekly slots and next classes, the roster
(admins and the batch's own teachers), parent links, the roster CSV import; refusals beside the field."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.attendance import batches, rosters
from domain.models import AuditEntry, Batch, Enrolment, ParentLink, Role
from domain.people import services as people
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps

NOW = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # Monday 09:00 in London


class World:
    def __init__(self, db, make_person, clock):
        clock.set(NOW)
        self.db = db
        self.admin = make_person(Role.ADMIN, "Ada Admin")
        self.tess = make_person(Role.TEACHER, "Tess Teacher")
        self.theo = make_person(Role.TEACHER, "Theo Teacher")
        self.amir = make_person(Role.STUDENT, "Amir Ahmed")
        self.bea = make_person(Role.STUDENT, "Bea Brown")
        self.pat = make_person(Role.PARENT, "Pat Parent")
        self.art = batches.create_batch(db.uow(), Actor.system(), name="Art 7", teacher_ids=[self.theo.id])

    def batch_id(self, name: str) -> int:
        with self.db.uow(readonly=True) as uow:
            return uow.session.scalars(select(Batch.id).where(Batch.name == name)).one()

    def enrolment(self, batch_id: int, student_id: int) -> Enrolment | None:
        with self.db.uow(readonly=True) as uow:
            return uow.session.get(Enrolment, (batch_id, student_id))


@pytest.fixture
def w(db, make_person, clock):
    return World(db, make_person, clock)


def beside(html: str, field: str) -> str:
    found = re.search(rf'data-field="{field}">([^<]*)<', html)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_an_admin_sets_up_a_batch_with_slots_and_a_roster(db, w):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, w.admin)
        page = await http.get("/admin/batches")
        token = csrf_in(page.text)
        assert 'id="new-batch"' in page.text and "Tess Teacher" in page.text
        r = await http.post("/admin/batches", data={"csrf": token, "name": "Art 7", "teacher_ids": str(w.tess.id)})
        assert r.status_code == 422 and "already exists" in beside(r.text, "name")
        r = await http.post("/admin/batches", data={"csrf": token, "name": "Physics 10", "subject": "Physics",
                                                    "grace_minutes": "soon"})
        assert r.status_code == 422 and "whole minutes" in beside(r.text, "grace_minutes")
        r = await http.post("/admin/batches", data={"csrf": token, "name": "Physics 10", "subject": "Physics",
                                                    "level": "Year 10", "grace_minutes": "15",
                                                    "teacher_ids": str(w.tess.id)})
        physics = w.batch_id("Physics 10")
        assert r.status_code == 303 and r.headers["location"] == f"/admin/batches/{physics}?m=created"
        base = f"/admin/batches/{physics}"
        slot = {"csrf": token, "weekday": "0", "start": "16:00", "duration_minutes": "60"}
        for bad, field, words in ((dict(start="25:00"), "start", "HH:MM"),
                                  (dict(duration_minutes="0"), "duration_minutes", "10 to 600"),
                                  (dict(duration_minutes="an hour"), "duration_minutes", "whole minutes")):
            r = await http.post(f"{base}/slots", data={**slot, **bad})
            assert r.status_code == 422 and words in beside(r.text, field), (bad, r.text[-2000:])
        assert (await http.post(f"{base}/slots", data=slot)).status_code == 303
        r = await http.post(f"{base}/slots", data={**slot, "start": "16:30"})
        assert r.status_code == 422 and "overlaps" in beside(r.text, "start")
        page = await http.get(base)
        assert "Mon 2 Nov, 16:00–17:00" in page.text and "scheduled" in page.text  # the next classes
        enrol = {"csrf": token, "student_id": str(w.amir.id), "enrolled_on": "2026-11-02"}
        assert (await http.post(f"{base}/enrol", data=enrol)).status_code == 303
        r = await http.post(f"{base}/enrol", data=enrol)
        assert r.status_code == 422 and "already enrolled" in beside(r.text, "student_id")
        r = await http.post(f"{base}/enrol", data={**enrol, "student_id": "999999"})
        assert r.status_code == 422 and "Choose a student" in beside(r.text, "student_id")
        r = await http.post(f"{base}/enrol", data={**enrol, "student_id": str(w.bea.id), "enrolled_on": "2.11."})
        assert r.status_code == 422 and beside(r.text, "enrolled_on")
        r = await http.post(f"{base}/parents", data={"csrf": token, "parent_id": str(w.pat.id),
                                                     "student_id": str(w.amir.id)})
        assert r.status_code == 303
        r = await http.post(f"{base}/unenrol", data={"csrf": token, "student_id": str(w.amir.id),
                                                     "left_on": "2026-11-09"})
        assert r.status_code == 303
        page = await http.get(r.headers["location"])
        assert "Student unenrolled" in page.text and "Amir Ahmed: 2026-11-02 to 2026-11-09" in page.text
        r = await http.post(base, data={"csrf": token, "name": "Physics 10", "teacher_ids": str(w.tess.id)})
        assert r.status_code == 303 and (await http.get(base)).text.count("inactive") >= 1
        r = await http.post(f"{base}/enrol", data={**enrol, "student_id": str(w.bea.id)})
        assert r.status_code == 422 and "inactive" in beside(r.text, "batch_id")
    assert w.enrolment(physics, w.amir.id).left_on == date(2026, 11, 9)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(ParentLink, (w.pat.id, w.amir.id)) is not None
        actions = set(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == w.admin.id)))
    assert {"batch.create", "batch.add_slot", "batch.enrol", "batch.unenrol", "batch.update",
            "person.link_parent"} <= actions


async def test_teachers_manage_only_their_own_rosters(db, w, make_person):
    async with client(make_deps(db)) as http:
        await sign_in(http, db, w.theo)
        page = await http.get(f"/admin/batches/{w.art.id}")
        token = csrf_in(page.text)
        assert page.status_code == 200 and 'id="enrol"' in page.text and 'id="add-slot"' not in page.text
        r = await http.post(f"/admin/batches/{w.art.id}/enrol", data={"csrf": token, "student_id": str(w.bea.id)})
        assert r.status_code == 303 and w.enrolment(w.art.id, w.bea.id).enrolled_on == date(2026, 11, 2)
        # the roster says whose family Telegram cannot reach: Bea's parent was invited but never linked
        quiet_parent = make_person(Role.PARENT, "Quinn Parent", active=False)
        people.link_parent(db.uow(), Actor.system(), quiet_parent.id, w.bea.id)
        page = await http.get(f"/admin/batches/{w.art.id}")
        assert "⚠ not reachable" in page.text and "Quinn Parent (parent): " in page.text
        r = await http.post(f"/admin/batches/{w.art.id}/slots", data={"csrf": token, "weekday": "0",
                                                                      "start": "10:00", "duration_minutes": "60"})
        assert r.status_code == 403
        r = await http.post("/admin/batches", data={"csrf": token, "name": "Theo's own"})
        assert r.status_code == 403
    other = batches.create_batch(db.uow(), Actor.system(), name="Physics 10", teacher_ids=[w.tess.id])
    async with client(make_deps(db)) as http:
        await sign_in(http, db, w.theo)
        token = csrf_in((await http.get("/admin/batches")).text)
        assert (await http.get(f"/admin/batches/{other.id}")).status_code == 404
        r = await http.post(f"/admin/batches/{other.id}/enrol", data={"csrf": token, "student_id": str(w.amir.id)})
        assert r.status_code == 403 and w.enrolment(other.id, w.amir.id) is None


async def test_roster_import_previews_then_writes(db, w):
    rosters.enrol(db.uow(), Actor.system(), w.art.id, w.amir.id, date(2026, 10, 1))
    text = ("student,batch,enrolled_on,parent\n"
            "Amir Ahmed,Art 7,,Pat Parent\n"  # enrolled already: only the link
            "bea brown,Art 7,2026-11-01,\n"
            "Nobody,Art 7,,\n"
            "Bea Brown,Chess,,\n"
            "Bea Brown,Art 7,01/11/2026,\n")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, w.admin)
        token = csrf_in((await http.get("/admin/batches/import")).text)
        r = await http.post("/admin/batches/import", data={"csrf": token, "step": "preview", "csv_text": text})
        assert r.status_code == 200
        assert re.findall(r'data-action="([^"]+)"', r.text) == ["link", "enrol", "error", "error", "error"]
        assert "No student called" in r.text and "No batch called" in r.text
        assert w.enrolment(w.art.id, w.bea.id) is None  # the preview wrote nothing
        bad = await http.post("/admin/batches/import", data={"csrf": token, "step": "preview",
                                                             "csv_text": "who,where\nA,B\n"})
        assert bad.status_code == 422 and "student" in bad.text
        r = await http.post("/admin/batches/import", data={"csrf": token, "step": "apply", "csv_text": text})
        assert r.status_code == 303
        done = await http.get(r.headers["location"])
        assert "1 enrolled, 1 parent links, 3 skipped" in done.text
    assert w.enrolment(w.art.id, w.bea.id).enrolled_on == date(2026, 11, 1)
    with db.uow(readonly=True) as uow:
        assert uow.session.get(ParentLink, (w.pat.id, w.amir.id)) is not None


async def test_slots_are_edited_and_removed_and_a_batch_deactivated(db, w):
    slot = batches.add_slot(db.uow(), Actor.system(), w.art.id, weekday=0, start="10:00", duration_minutes=60)
    other = batches.add_slot(db.uow(), Actor.system(), w.art.id, weekday=0, start="12:00", duration_minutes=60)
    rosters.enrol(db.uow(), Actor.system(), w.art.id, w.bea.id, date(2026, 10, 1))
    base = f"/admin/batches/{w.art.id}"
    async with client(make_deps(db)) as http:
        await sign_in(http, db, w.admin)
        page = await http.get(base)
        token = csrf_in(page.text)
        moved = {"csrf": token, "weekday": "1", "start": "17:15", "duration_minutes": "45"}
        r = await http.post(f"{base}/slots/{slot.id}", data=moved)
        assert r.status_code == 303 and r.headers["location"] == f"{base}?m=slot_saved"
        page = await http.get(r.headers["location"])
        assert "Class time saved." in page.text and "Tue 3 Nov, 17:15–18:00" in page.text
        r = await http.post(f"{base}/slots/{other.id}", data={**moved, "start": "17:30"})
        assert r.status_code == 422 and "overlaps the Tuesday class at 17:15" in beside(r.text, "start")
        r = await http.post(f"{base}/slots/{other.id}", data={"csrf": token, "remove": "1"})
        assert r.status_code == 303 and r.headers["location"] == f"{base}?m=slot_removed"
        assert f'id="slot-{other.id}"' not in (await http.get(base)).text
        r = await http.post(f"{base}/parents", data={"csrf": token, "parent_id": str(w.amir.id),
                                                     "student_id": str(w.bea.id)})
        assert r.status_code == 422 and "is not a parent" in beside(r.text, "parent_id")
        r = await http.post(f"{base}/deactivate", data={"csrf": token})
        assert r.status_code == 303
        page = await http.get(r.headers["location"])
        assert "Batch deactivated." in page.text and 'id="add-slot"' not in page.text
        assert "None: add a weekly class time (the batch is inactive)." in page.text
    with db.uow(readonly=True) as uow:
        assert uow.session.get(Batch, w.art.id).active is False
        actions = list(uow.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == w.admin.id)
                                           .order_by(AuditEntry.id)))
    assert [a for a in actions if a.startswith("batch.")] == ["batch.edit_slot", "batch.remove_slot", "batch.deactivate"], actions
