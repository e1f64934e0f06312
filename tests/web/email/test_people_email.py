"""Email addresses in the console (both databases): admins set anyone's, everyone their own; an invalid
address is refused beside the field and nothing changes; every change is audited."""

from __future__ import annotations

from sqlalchemy import select

from domain.models import AuditEntry, Person, Role
from tests.auxil.console import csrf_in, sign_in
from tests.auxil.web import client, make_deps


def email_of(db, person_id: int) -> str | None:
    with db.uow(readonly=True) as uow:
        return uow.session.get(Person, person_id).email


async def test_admin_adds_and_edits_an_address_and_an_invalid_one_is_refused_beside_the_field(db, make_person):
    admin = make_person(Role.ADMIN, "Ada Admin")
    parent = make_person(Role.PARENT, "Pat Parent")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, admin)
        people = await http.get("/admin/people")
        assert f'href="/admin/people/{parent.id}/email" id="email-{parent.id}">add email<' in people.text
        page = await http.get(f"/admin/people/{parent.id}/email")
        token = csrf_in(page.text)
        bad = await http.post(f"/admin/people/{parent.id}/email", data={"csrf": token, "email": "pat@@example"})
        assert bad.status_code == 422
        assert 'aria-invalid="true"' in bad.text and 'id="email-error"' in bad.text
        assert 'value="pat@@example"' in bad.text  # what was typed stays in the field
        assert email_of(db, parent.id) is None
        injected = await http.post(f"/admin/people/{parent.id}/email",
                                   data={"csrf": token, "email": "pat@example.org\r\nBcc: x@evil.test"})
        assert injected.status_code == 422 and email_of(db, parent.id) is None
        ok = await http.post(f"/admin/people/{parent.id}/email", data={"csrf": token, "email": " Pat@Example.org "})
        assert ok.status_code == 303 and email_of(db, parent.id) == "Pat@example.org"
        shown = await http.get(ok.headers["location"])
        assert "Email address saved." in shown.text and "Not verified yet" in shown.text
        people = await http.get("/admin/people")
        assert "Pat@example.org (unverified)" in people.text
        cleared = await http.post(f"/admin/people/{parent.id}/email", data={"csrf": token, "email": ""})
        assert cleared.status_code == 303 and email_of(db, parent.id) is None
        chans = await http.post(f"/admin/people/{parent.id}/channels", data={"csrf": token, "ch_tasks": "email"})
        assert chans.status_code == 303
    with db.uow(readonly=True) as uow:
        actions = list(uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.action.in_(["person.email", "person.channels"])).order_by(AuditEntry.id)))
    assert actions == ["person.email", "person.email", "person.channels"]


async def test_a_teacher_sets_their_own_address_but_not_anyone_elses(db, make_person):
    teacher = make_person(Role.TEACHER, "Tess Teacher")
    other = make_person(Role.STUDENT, "Sam Student")
    async with client(make_deps(db)) as http:
        await sign_in(http, db, teacher)
        mine = await http.get("/admin/channels")
        assert mine.status_code == 200 and "Your email and channels" in mine.text
        ok = await http.post("/admin/channels/email", data={"csrf": csrf_in(mine.text), "email": "tess@example.org"})
        assert ok.status_code == 303 and email_of(db, teacher.id) == "tess@example.org"
        theirs = await http.post(f"/admin/people/{other.id}/email",
                                 data={"csrf": csrf_in(mine.text), "email": "sam@example.org"})
        assert theirs.status_code == 403 and email_of(db, other.id) is None
