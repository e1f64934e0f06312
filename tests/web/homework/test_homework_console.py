"""Homework in the console over HTTP, on both databases: a teacher sets homework with a worksheet, the list
says "0 of 2 handed in", the homework's page shows each hand-in (late flagged, files through signed links)
with a review form, the review reaches the student through the outbox; other batches' teachers and students
cannot see it."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from sqlalchemy import select

from adapters.attachments import FileAttachments
from domain.actors import Actor
from domain.attendance import batches
from domain.homework import queries, services
from domain.models import Notification, Role
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps
from tests.domain.files.test_attachment_store import jpeg_with_gps
from tests.factories import physics_class

NONCE = 'name="nonce" value="'


def _form(html: str, **fields: object) -> dict[str, object]:
    return {"csrf": csrf_in(html), "nonce": html.split(NONCE, 1)[1].split('"', 1)[0], **fields}


async def test_a_teacher_sets_sees_hand_ins_and_reviews_from_the_console(db, make_person, clock, tmp_path):
    made = physics_class(db, make_person, ["Ann Student", "Ben Student"])
    ann, ben = made["students"]
    other = make_person(Role.TEACHER, "Otto Other")
    batches.create_batch(db.uow(), Actor.system(), name="Art 7", teacher_ids=[other.id])
    deps = dataclasses.replace(make_deps(db), attachments=FileAttachments(tmp_path / "attachments"))
    async with client(deps) as http:
        await sign_in(http, db, made["teacher"])
        assert 'href="/admin/homework"' in (await http.get("/admin/homework")).text  # in the nav
        form = (await http.get("/admin/homework/new")).text
        assert "Physics 10" in form and "Art 7" not in form
        bad = await http.post("/admin/homework/new", data=_form(form, batch_id=str(made["batch"].id), title="Past",
                                                                due="2020-01-01T10:00"))
        assert bad.status_code == 422 and "already passed" in bad.text
        r = await http.post("/admin/homework/new", data=_form(
            form, batch_id=str(made["batch"].id), title="Forces worksheet", description="Questions 1-5",
            due="2026-11-02T09:30"), files=[("file", ("sheet.jpg", jpeg_with_gps(), "image/jpeg"))])
        assert r.status_code == 303, r.text
        page = (await http.get(r.headers["location"])).text
        assert "0 of 2 handed in" in page and "Questions 1-5" in page and "/files/" in page
        hid = int(r.headers["location"].split("/")[3].split("?")[0])

        detail = queries.homework_detail(db.uow(readonly=True), Actor.telegram(made["teacher"].id), hid)
        items = {i.student: i.id for i in detail.items}
        services.hand_in(db.uow(), Actor.telegram(ann.id), items["Ann Student"], "My answers to 1-5")
        clock.advance(timedelta(hours=1))  # past the due time: Ben is late
        services.hand_in(db.uow(), Actor.telegram(ben.id), items["Ben Student"], "Sorry, late")
        listing = (await http.get("/admin/homework")).text
        assert "Physics 10" in listing and "2 of 2 handed in" in listing
        page = (await http.get(f"/admin/homework/{hid}")).text
        assert "My answers to 1-5" in page and 'data-state="late"' in page and page.count("review-form") == 2
        r = await http.post(f"/admin/homework/items/{items['Ann Student']}/review",
                            data=_form(page, comment="Well done"))
        assert r.status_code == 303 and r.headers["location"] == f"/admin/homework/{hid}?m=reviewed"
        assert "Well done" in (await http.get(r.headers["location"])).text
    with db.uow(readonly=True) as uow:
        told = uow.session.execute(select(Notification.recipient_id, Notification.data).where(
            Notification.kind == "homework_reviewed")).all()
    assert [(who, data["comment"]) for who, data in told] == [(ann.id, "Well done")]
    async with client(deps) as http:  # another batch's teacher: no such homework
        await sign_in(http, db, other)
        assert (await http.get(f"/admin/homework/{hid}")).status_code == 404
        assert "Forces worksheet" not in (await http.get("/admin/homework")).text
    async with client(deps) as http:  # students do not open the console's homework
        await sign_in(http, db, ann)
        assert (await http.get("/admin/homework")).status_code == 403
