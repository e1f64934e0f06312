"""Marks and referrals in the console over HTTP, on both databases: a teacher creates a test, saves the
marks sheet (a wrong mark is shown beside its field and nothing is saved; the typed values stay), sees the
average, highest and distribution, imports marks from a CSV (preview, then apply); another teacher gets
"no such test"; an admin invites a referral (its invite link is shown) and declines another."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from domain.actors import Actor
from domain.models import ClassTest, Referral, ReferralStatus, Role, StudentMark
from domain.referrals import services as referrals
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps
from tests.factories import physics_class

NOW = datetime(2026, 11, 12, 9, 0, tzinfo=UTC)


@pytest.fixture
def school(db, make_person, clock):
    clock.set(NOW)
    made = physics_class(db, make_person, ["Amir Ahmed", "Bea Brown"])
    made["admin"] = make_person(Role.ADMIN, "Ada Admin")
    made["other"] = make_person(Role.TEACHER, "Otto Other")
    return made


def beside(html: str, field: str) -> str:
    found = re.search(rf'data-field="{field}">([^<]*)<', html)
    assert found, f"no message beside {field}"
    return found.group(1)


async def test_a_teacher_creates_a_test_and_saves_the_marks_sheet(db, school):
    amir, bea = school["students"]
    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["teacher"])
        listing = await http.get("/admin/marks")
        assert listing.status_code == 200 and 'href="/admin/marks"' in listing.text and 'id="new-test"' in listing.text
        token = csrf_in(listing.text)
        form = {"csrf": token, "batch_id": str(school["batch"].id), "name": "Unit test 1", "held_on": "2026-11-10",
                "max_marks": "twenty"}
        r = await http.post("/admin/marks", data=form)
        assert r.status_code == 422 and "whole number from 1 to 1000" in beside(r.text, "max_marks")
        r = await http.post("/admin/marks", data={**form, "max_marks": "20"})
        with db.uow(readonly=True) as uow:
            test_id = uow.session.scalars(select(ClassTest.id)).one()
        assert r.status_code == 303 and r.headers["location"] == f"/admin/marks/{test_id}?m=created"
        page = await http.get(f"/admin/marks/{test_id}")
        assert "Amir Ahmed" in page.text and f'name="m_{bea.id}"' in page.text and 'id="distribution-chart"' in page.text
        sheet = {"csrf": csrf_in(page.text), "student_ids": [str(amir.id), str(bea.id)],
                 f"m_{amir.id}": "25", f"m_{bea.id}": "12"}
        r = await http.post(f"/admin/marks/{test_id}/sheet", data=sheet)
        assert r.status_code == 422
        assert beside(r.text, f"m_{amir.id}") == "25 is more than the maximum (20). Enter 0 to 20."
        assert 'value="25"' in r.text and "1 mark needs correcting; nothing was saved." in r.text
        with db.uow(readonly=True) as uow:
            assert uow.session.scalars(select(StudentMark)).all() == []
        r = await http.post(f"/admin/marks/{test_id}/sheet", data={**sheet, f"m_{amir.id}": "18"})
        assert r.status_code == 303 and r.headers["location"] == f"/admin/marks/{test_id}?m=saved&changed=2&told=0"
        page = await http.get(r.headers["location"])
        assert "Saved: 2 marks changed." in page.text
        assert re.search(r'id="stat-average">15<', page.text) and re.search(r'id="stat-highest">18<', page.text)
        assert "90–100%: 1 student" in page.text and "60–69%: 1 student" in page.text

        imported = await http.post(f"/admin/marks/{test_id}/import", files={"file": ("m.csv", b"student,marks\nBea Brown,A\nNo One,3\n")},
                                   data={"csrf": token, "step": "preview"})
        assert imported.status_code == 200 and 'data-action="change"' in imported.text and "No student called" in imported.text
        r = await http.post(f"/admin/marks/{test_id}/import", data={"csrf": token, "step": "apply",
                                                                   "csv_text": "student,marks\nBea Brown,A\n"})
        assert r.status_code == 303 and "changed=1" in r.headers["location"]
        with db.uow(readonly=True) as uow:
            assert uow.session.get(StudentMark, (test_id, bea.id)).absent is True

    async with client(make_deps(db)) as http:
        await sign_in(http, db, school["other"])
        assert (await http.get(f"/admin/marks/{test_id}")).status_code == 404
        assert "Unit test 1" not in (await http.get("/admin/marks")).text


async def test_an_admin_invites_and_declines_referrals(db, school, make_person):
    sam = make_person(Role.STUDENT, "Sam Student")
    rita = referrals.refer(db.uow(), Actor.telegram(sam.id), name="Rita Rao", phone="+447700900777", note="Maths")
    noor = referrals.refer(db.uow(), Actor.telegram(sam.id), name="Noor Nair", phone="+447700900778")
    async with client(make_deps(db, bot_username="TaskbellBot")) as http:
        await sign_in(http, db, school["teacher"])
        assert (await http.get("/admin/referrals")).status_code == 403
    async with client(make_deps(db, bot_username="TaskbellBot")) as http:
        await sign_in(http, db, school["admin"])
        page = await http.get("/admin/referrals")
        assert page.status_code == 200 and "+447700900777" in page.text and "Sam Student" in page.text
        token = csrf_in(page.text)
        r = await http.post(f"/admin/referrals/{rita}/invite", data={"csrf": token, "role": "student"})
        assert r.status_code == 303 and re.fullmatch(r"/admin/people/\d+/invite", r.headers["location"])
        invite = await http.get(r.headers["location"])
        assert "https://t.me/TaskbellBot?start=" in invite.text and "Rita Rao" in invite.text
        r = await http.post(f"/admin/referrals/{noor}/status", data={"csrf": token, "status": "declined"})
        assert r.headers["location"] == "/admin/referrals?m=declined"
        page = await http.get("/admin/referrals?status=invited")
        assert "Rita Rao" in page.text and "Noor Nair" not in page.text
    with db.uow(readonly=True) as uow:
        assert {r.name: r.status for r in uow.session.scalars(select(Referral))} == {
            "Rita Rao": ReferralStatus.INVITED, "Noor Nair": ReferralStatus.DECLINED}
