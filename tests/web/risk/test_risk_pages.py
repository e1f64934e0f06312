"""Student risk on the web: the console's Risk pages, the roster badge, the teacher's actions and the
JSON API; a teacher never sees risk for students outside their batches, on any of them."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from domain.models import Notification, RiskProfile
from domain.risk import engine
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import api_token, client, make_deps
from tests.domain.risk.world import SYSTEM, build_school


@pytest.fixture
def school(db, make_person, clock):
    klass = build_school(db, make_person, clock)
    engine.recompute(db.uow(), SYSTEM)
    return klass


async def test_the_teacher_reads_risk_acts_on_it_and_sees_only_their_batches(db, school):
    amir, bea, cy = school["students"]
    batch = school["batch"].id
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["teacher"])
        page = await http.get(f"/admin/risk/batch/{batch}")
        assert page.status_code == 200 and "Risk is advisory, not disciplinary." in page.text
        order = re.findall(r'id="risk-(\d+)" data-level="(\w+)"', page.text)
        assert order == [(str(amir.id), "high"), (str(bea.id), "medium"), (str(cy.id), "low")]
        assert "attendance 0% over the last 3 classes" in page.text and "homework unknown (none set)" in page.text
        assert "Amir A." in page.text and "Amir Ahmed" not in page.text  # masked without pii.full
        roster = await http.get(f"/admin/batches/{batch}")
        assert f'href="/admin/risk/student/{amir.id}" class="badge risk-high" data-risk="high"' in roster.text
        # One student's page: the breakdown and the parents' message, read before it is sent.
        page = await http.get(f"/admin/risk/student/{amir.id}")
        assert 'id="factor-homework"' in page.text and "left out" in page.text
        assert "This is not a complaint or a disciplinary matter" in page.text
        token = csrf_in(page.text)
        r = await http.post(f"/admin/risk/student/{amir.id}/review", data={"csrf": token, "outcome": "ignored"})
        assert r.status_code == 422 and "note" in r.text
        r = await http.post(f"/admin/risk/student/{amir.id}/review",
                            data={"csrf": token, "outcome": "reviewed", "note": "Called home"})
        assert r.status_code == 303 and r.headers["location"].endswith("m=reviewed")
        r = await http.post(f"/admin/risk/student/{amir.id}/notify", data={"csrf": token})
        assert r.status_code == 303
        r = await http.post("/admin/risk/recompute", data={"csrf": token, "batch_id": str(batch)})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/risk/batch/{batch}?m=recomputed"
        # Another batch, another teacher's student: not found, and nothing of them on the list.
        for path in (f"/admin/risk/batch/{school['art'].id}", f"/admin/risk/student/{school['loner'].id}"):
            assert (await http.get(path)).status_code == 404
    with db.uow(readonly=True) as uow:
        assert uow.session.get(RiskProfile, amir.id).review == "parent_notified"
        assert len(uow.session.scalars(select(Notification).where(Notification.kind == "family_message")).all()) == 2

    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["other"])
        page = await http.get("/admin/risk")
        assert page.status_code == 200 and "No students here." in page.text and "Amir" not in page.text
        for path in (f"/admin/risk/batch/{batch}", f"/admin/risk/student/{amir.id}"):
            assert (await http.get(path)).status_code == 404
        token = csrf_in(page.text)
        for path, data in ((f"/admin/risk/student/{amir.id}/review", {"outcome": "reviewed"}),
                           (f"/admin/risk/student/{amir.id}/notify", {}),
                           ("/admin/risk/recompute", {"batch_id": str(batch)})):
            assert (await http.post(path, data={"csrf": token, **data})).status_code == 404


async def test_the_api_is_scoped_permission_checked_and_masked(db, school, make_person):
    from domain.models import Role

    amir = school["students"][0]
    batch = school["batch"].id
    tina, oscar = api_token(db, school["teacher"].id), api_token(db, school["other"].id)
    admin = api_token(db, make_person(Role.ADMIN, "Ada Admin").id)
    student = api_token(db, amir.id)
    async with client(make_deps(db)) as http:
        r = await http.get(f"/api/risk/students?batch_id={batch}", headers=tina)
        assert r.status_code == 200
        body = r.json()
        assert body["advisory"] == "Risk is advisory, not disciplinary."
        first = body["students"][0]
        assert (first["student_id"], first["name"], first["level"], first["score"]) == (amir.id, "Amir A.", "high", 0.0)
        assert [(f["name"], f["value"], f["weight_used"]) for f in first["factors"]] == [
            ("attendance", 0.0, 100.0), ("homework", None, 0.0), ("fees", None, 0.0), ("tests", None, 0.0)]
        r = await http.get(f"/api/risk/student/{amir.id}", headers=tina)
        assert r.status_code == 200 and r.json()["events"][0]["to_level"] == "high"
        assert r.json()["batches"] == ["Physics 10"]
        # Oscar: nobody of Physics, by batch, by student, or in his own list.
        assert (await http.get(f"/api/risk/students?batch_id={batch}", headers=oscar)).status_code == 404
        assert (await http.get(f"/api/risk/student/{amir.id}", headers=oscar)).status_code == 404
        assert (await http.get("/api/risk/students", headers=oscar)).json()["students"] == []
        # The admin sees everyone (in full: pii.full); a student holds no risk.review; no token: 401.
        everyone = (await http.get("/api/risk/students", headers=admin)).json()["students"]
        assert "Amir Ahmed" in {s["name"] for s in everyone}
        assert (await http.get("/api/risk/students", headers=student)).status_code == 403
        assert (await http.get("/api/risk/students")).status_code == 401
        assert (await http.get("/api/risk/students?batch_id=x", headers=tina)).status_code == 400
        assert "/risk/students" in (await http.get("/api/openapi.json")).json()["paths"]
