"""The portal over HTTP (real app, both databases): a read-only walk where every write is refused, a parent
who cannot reach another family's child, the link's purpose, expiry and revocation, and the console's
announcements page."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from domain.actors import Actor
from domain.announcements import services as announcements
from domain.auth import services as auth
from domain.models import Base, Role
from domain.people import services as people
from domain.portal.links import portal_token
from tests.auxil.console import csrf_in
from tests.auxil.web import client, make_deps
from tests.factories import SYSTEM, physics_class

WRITES = ("POST", "PUT", "PATCH", "DELETE")


def counts(db) -> dict[str, int]:
    with db.uow(readonly=True) as uow:
        return {t.name: uow.session.scalar(select(func.count()).select_from(t)) for t in Base.metadata.sorted_tables}


@pytest.fixture
def world(db, make_person):
    w = physics_class(db, make_person, ["Zoe Zed", "Abe Able"])  # Parent 1: Abe and Zoe; Parent 0: Zoe
    other = make_person(Role.STUDENT, "Olga Otherfamily")
    other_parent = make_person(Role.PARENT, "Oscar Otherfamily")
    people.link_parent(db.uow(), SYSTEM, other_parent.id, other.id)
    announcements.post(db.uow(), Actor.telegram(w["teacher"].id), f"batch:{w['batch'].id}", "Lab on Friday",
                       "Bring <goggles>.")
    w.update(other=other, other_parent=other_parent, deps=make_deps(db))
    return w


def link(w, person, now=None, generation=0) -> str:
    deps = w["deps"]
    return f"/p/{portal_token(deps.links, person.id, now or deps.db.clock.now(), generation)}"


async def test_the_student_page_shows_and_refuses_every_write(db, world):
    zoe = world["students"][0]
    base = link(world, zoe)
    session = auth.create_session(db.uow(), zoe.id, "127.0.0.1").session_id
    before = counts(db)
    async with client(world["deps"]) as http:
        page = await http.get(base)
        assert page.status_code == 200 and page.headers["cache-control"] == "no-store"
        assert "Zoe Zed" in page.text and "Physics 10" in page.text and "Lab on Friday" in page.text
        assert "Bring &lt;goggles&gt;." in page.text and "<form" not in page.text
        assert "Homework" not in page.text and "Tests and marks" not in page.text  # absent: nothing of either yet
        assert 'id="fees"' not in page.text
        http.cookies.set("tb_session", session)
        mine = await http.get("/portal")
        assert mine.status_code == 200 and "Lab on Friday" in mine.text
        for path in (base, f"{base}/child/1", "/portal", "/portal/child/1"):
            assert (await http.get(path)).status_code == 200, path
            for method in WRITES:
                r = await http.request(method, path, data={"title": "x", "student_id": "1"})
                assert r.status_code in (403, 405), (method, path, r.status_code)
    assert counts(db) == before


async def test_a_parent_sees_each_own_child_by_position_and_never_another_family(db, world):
    p1 = world["parents"][1]
    base = link(world, p1)
    async with client(world["deps"]) as http:
        first = await http.get(base)
        assert "Abe Able" in first.text and f'href="{base}/child/2"' in first.text
        second = await http.get(f"{base}/child/2")
        assert second.status_code == 200 and "<h1>Zoe Zed</h1>" in second.text
        for bad in ("3", "0", "99", "x", str(world["other"].id)):
            assert (await http.get(f"{base}/child/{bad}")).status_code in (404,), bad
        for query in (f"?student_id={world['other'].id}", f"?child={world['other'].id}", f"?id={world['other'].id}"):
            page = await http.get(base + query)
            assert "Otherfamily" not in page.text and "<h1>Abe Able</h1>" in page.text
        for n in (1, 2):
            assert "Otherfamily" not in (await http.get(f"{base}/child/{n}")).text
        theirs = await http.get(link(world, world["other_parent"]))
        assert "Olga Otherfamily" in theirs.text and "Zoe" not in theirs.text and "child/2" not in theirs.text


async def test_the_link_is_for_the_portal_only_expires_and_dies_with_revoke(db, world, clock):
    zoe = world["students"][0]
    deps = world["deps"]
    async with client(deps) as http:
        dashboard = deps.links.dashboard_token(zoe.id, clock.now())
        assert (await http.get(f"/p/{dashboard}")).status_code == 403  # a token of another purpose
        assert (await http.get("/p/not-a-token")).status_code == 403
        old = link(world, zoe)
        clock.advance(timedelta(days=7, minutes=1))
        expired = await http.get(old)
        assert expired.status_code == 410 and "/portal" in expired.text
        fresh = link(world, zoe)
        assert (await http.get(fresh)).status_code == 200
        people.revoke_links(db.uow(), Actor.telegram(zoe.id), zoe.id)
        assert (await http.get(fresh)).status_code == 403
        assert (await http.get(link(world, zoe, generation=1))).status_code == 200
        teacher = await http.get(link(world, world["teacher"]))
        assert teacher.status_code == 403 and "students and parents" in teacher.text
        assert (await http.get("/portal")).status_code == 401


async def test_the_console_posts_an_announcement_and_lists_it_with_delivered_counts(db, world):
    teacher = world["teacher"]
    session = auth.create_session(db.uow(), teacher.id, "127.0.0.1").session_id
    async with client(world["deps"]) as http:
        http.cookies.set("tb_session", session)
        page = await http.get("/admin/announcements")
        assert page.status_code == 200 and f'value="batch:{world["batch"].id}"' in page.text
        assert "role:parent" not in page.text  # a teacher: their batches only
        assert 'href="/admin/announcements"' in page.text  # in the console's menu
        posted = await http.post("/admin/announcements", data={
            "csrf": csrf_in(page.text), "target": f"batch:{world['batch'].id}", "title": "Quiz",
            "text": "Friday, chapter 3.", "urgent": "1"}, headers={"origin": "http://taskbell.test"})
        assert posted.status_code == 303 and posted.headers["location"] == "/admin/announcements?sent=4"
        listed = await http.get(posted.headers["location"])
        assert "on its way to 4 people" in listed.text and "Quiz" in listed.text and "0 of 4" in listed.text
        refused = await http.post("/admin/announcements", data={
            "csrf": csrf_in(listed.text), "target": "role:parent", "title": "x", "text": "y"},
            headers={"origin": "http://taskbell.test"})
        assert refused.status_code == 403


async def test_the_dashboard_links_students_and_parents_to_their_portal(db, world):
    from tests.auxil.web import dashboard_path

    deps = world["deps"]
    async with client(deps) as http:
        parent = await http.get(dashboard_path(deps, world["parents"][0].id))
        href = parent.text.split('id="portal-link"><a href="', 1)[1].split('"', 1)[0]
        assert "Your children&#39;s page" in parent.text or "Your children's page" in parent.text
        assert (await http.get(href)).status_code == 200
        teacher = await http.get(dashboard_path(deps, world["teacher"].id))
        assert 'id="portal-link"' not in teacher.text


async def test_homework_marks_and_fees_appear_once_there_is_some(db, world, clock):
    """Homework, marks and fees plug into the registry: shown once the student has some, with their states."""
    from domain.fees import plans
    from domain.homework import services as homework
    from domain.homework.rows import HomeworkSpec
    from domain.marks import class_tests, sheet

    zoe, abe = world["students"]
    teacher = Actor.telegram(world["teacher"].id)
    homework.assign(db.uow(), teacher, HomeworkSpec(world["batch"].id, "Ch. 4 questions",
                                                   clock.now() + timedelta(days=2)))
    test_id = class_tests.create_test(db.uow(), teacher, world["batch"].id, "Kinematics", clock.now().date(), 20)
    sheet.save_sheet(db.uow(), teacher, test_id, {zoe.id: ("17", False), abe.id: ("", True)})
    plans.add_one_off(db.uow(), SYSTEM, "Lab fee", "1500", clock.now().date() - timedelta(days=10), [zoe.id])
    async with client(world["deps"]) as http:
        page = (await http.get(link(world, zoe))).text
        assert "Ch. 4 questions" in page and "to do" in page
        assert "Tests and marks" in page and "Kinematics" in page and "17/20 (85%)" in page
        assert 'id="fees"' in page and "Lab fee" in page and "10 days overdue" in page and "1,500" in page
        other = (await http.get(link(world, abe))).text
        assert "Kinematics" in other and "absent" in other and 'id="fees"' not in other
