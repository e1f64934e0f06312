"""The dashboard keeps a rendered page while nothing it shows changed (web.page_cache): one query then,
and any change (a task, the link, the person, the clock past FRESH) builds it again."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import event

from domain.actors import Actor
from domain.models import PersonStatus, Role
from domain.people import services as people
from domain.tasks import services as tasks
from tests.auxil.web import client, dashboard_path, make_deps
from tests.factories import assign_one as assign
from web.page_cache import FRESH, Page, PageCache


async def _get(http, db, path):
    """The page and the SQL statements it cost."""
    statements: list[str] = []
    listener = lambda *args: statements.append(args[2])  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = await http.get(path)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    return response, [s for s in statements if not s.startswith(("BEGIN", "ROLLBACK"))]


@pytest.mark.asyncio
async def test_an_unchanged_page_is_served_again_and_every_change_rebuilds_it(db, make_person, clock):
    admin = make_person(Role.ADMIN, "Ada Admin")
    me = make_person(Role.STUDENT, "Sam Student")
    task_id = assign(db, admin, me, "Read chapter 3", due_at=clock.now() + timedelta(minutes=5))
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        first, built = await _get(http, db, path)
        again, kept = await _get(http, db, path)
        assert first.status_code == again.status_code == 200 and again.text == first.text
        assert len(kept) == 1 < len(built)  # the marker only
        assert again.headers["cache-control"] == "no-store"

        tasks.start_task(db.uow(), Actor.telegram(me.id), task_id)  # a change made by the bot, same tick
        started, rebuilt = await _get(http, db, path)
        assert len(rebuilt) == len(built) and 'data-status="in_progress"' in started.text

        clock.advance(minutes=6)  # overdue now: only the clock moved, so the page waits out FRESH at most
        assert timedelta(minutes=6) > FRESH
        late, rebuilt = await _get(http, db, path)
        assert len(rebuilt) == len(built) and "Overdue since" in late.text

        generation = people.revoke_links(db.uow(), Actor.telegram(me.id), me.id)
        refused, _ = await _get(http, db, path)
        assert refused.status_code == 403 and "newer one" in refused.text

        newer = f"/d/{deps.links.dashboard_token(me.id, clock.now(), generation)}"
        assert (await http.get(newer)).status_code == 200
        people.set_status(db.uow(), Actor.system(), me.id, PersonStatus.DISABLED)
        assert (await http.get(newer)).status_code == 403  # kept, but the link is dead now
        newest = f"/d/{deps.links.dashboard_token(me.id, clock.now(), people.link_generation(db.uow(), me.id))}"
        disabled = await http.get(newest)
        assert disabled.status_code == 403 and "not active" in disabled.text


@pytest.mark.asyncio
async def test_the_flash_and_the_longer_list_are_pages_of_their_own(db, make_person):
    admin = make_person(Role.ADMIN, "Ada Admin")
    me = make_person(Role.STUDENT, "Sam Student")
    assign(db, admin, me, "Read chapter 3")
    deps = make_deps(db)
    path = dashboard_path(deps, me.id)
    async with client(deps) as http:
        plain = await http.get(path)
        flashed = await http.get(f"{path}?m=done")
        longer = await http.get(f"{path}?open=50")
        unknown = await http.get(f"{path}?m=whatever")
    assert "Well done" in flashed.text and "Well done" not in plain.text
    assert "Well done" not in longer.text and unknown.text == plain.text


def test_pages_expire_one_request_rebuilds_and_the_least_recently_used_go_first(clock):
    cache = PageCache(max_pages=2)
    now = clock.now()
    for key in ("a", "b"):
        assert cache.get(key, now) is None  # nothing yet: this caller builds it
        cache.built(key, Page("m", now, key.encode()))
    assert cache.get("a", now) is not None  # b is now the least recently used
    assert cache.get("c", now) is None
    cache.built("c", Page("m", now, b"c"))
    assert cache.get("b", now) is None and cache.get("a", now) and cache.get("c", now)
    cache.built("b", None)  # building b failed: nothing kept

    later = now + FRESH
    assert cache.get("a", later) is None  # stale: this caller rebuilds it...
    assert cache.get("a", later).body == b"a"  # ...and the others meanwhile get the last one
    cache.built("a", Page("m", later, b"a2"))
    assert cache.get("a", later).body == b"a2"
    assert cache.get("c", now - timedelta(seconds=1)) is None  # built in the future (a clock set back)


def test_pages_are_bounded_in_bytes_too(clock):
    cache = PageCache(max_bytes=10)
    now = clock.now()
    for key in ("a", "b", "c"):
        cache.get(key, now)
        cache.built(key, Page("m", now, b"12345"))
    cache.built("c", Page("m", now, b"123"))  # a rebuilt page replaces the old one's bytes
    assert cache.get("a", now) is None and cache.get("b", now) and cache.get("c", now).body == b"123"
    cache.built("a", None)
    cache.built("big", Page("m", now, b"x" * 11))  # larger than the bound: not kept
    assert cache.get("big", now) is None and cache.get("b", now) is None
