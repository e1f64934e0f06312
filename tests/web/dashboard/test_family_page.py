"""A parent's signed link opens their children's attendance and their own open items."""

from __future__ import annotations

import re

import pytest

from domain.models import Role
from tests.auxil.web import client, dashboard_path, make_deps
from tests.domain.attendance.test_family import klass  # noqa: F401 - the fixture: three Mondays taken
from tests.factories import assign_one as assign


@pytest.mark.asyncio
async def test_the_parents_link_shows_each_childs_attendance_and_open_items(db, klass, make_person):  # noqa: F811
    parent = klass["parents"][1]
    s0, s1 = klass["students"][:2]
    assign(db, make_person(Role.ADMIN, "Ada Admin"), parent, "Sign the trip form")
    deps = make_deps(db)
    async with client(deps) as http:
        page = await http.get(dashboard_path(deps, parent.id))
    assert page.status_code == 200
    html = page.text
    assert "Sign the trip form" in html  # the parent's own open item
    child0 = re.search(rf'<article class="child" id="child-{s0.id}">(.*?)</article>', html, re.S).group(1)
    assert "Student 0" in child0 and "Physics 10" in child0
    assert re.search(r"<td>\d+%", child0) and "1 present, 1 late, 1 absent" in child0  # late: as the rule says
    assert re.findall(r'class="mark mark-(\w+)"', child0) == ["absent", "late", "present"]
    assert "Mon 23 Nov, 16:00" in child0  # the next class, local time
    assert f'id="child-{s1.id}"' in html
    assert f'id="child-{klass["students"][2].id}"' not in html  # not this parent's child


@pytest.mark.asyncio
async def test_a_member_without_children_sees_no_attendance_section(db, make_person):
    member = make_person(Role.MEMBER, "Mo Member")
    deps = make_deps(db)
    async with client(deps) as http:
        page = await http.get(dashboard_path(deps, member.id))
    assert page.status_code == 200 and 'class="family"' not in page.text
