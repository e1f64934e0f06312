"""The fuzz corpus (tests/web/fuzz/corpus.py) replayed as an admin and as a teacher, on SQLite and
PostgreSQL: not one answer 5xx. The organisation's zone is east of UTC (Tokyo), where a far-future time
overflows when shown. The replay itself is `replay_as`; the four test_fuzz_corpus_<role>_<database>.py files run it
(four files, so pytest-xdist spreads the longest run over its workers)."""

from __future__ import annotations

from datetime import timedelta

import httpx

from domain.actors import Actor
from domain.auth import services as auth
from domain.groups import services as groups
from domain.models import Role
from domain.teams import services as teams
from domain.tickets import links as desk_links
from domain.tickets import services as tickets
from domain.tickets.rows import TicketSpec
from tests.auxil.web import BASE_URL, api_token, dashboard_path, make_deps
from tests.factories import assign_one, physics_class
from tests.web.fuzz.corpus import Fuzzer
from web.app import create_app


async def replay_as(role: Role, db, make_person, clock, database_url) -> None:
    """Replay the whole corpus as the school's admin or its teacher; fail on any 5xx."""
    school = physics_class(db, make_person, ["Sam Student", "Sue Student"])
    admin = make_person(Role.ADMIN, "Ada Admin")
    teacher, sam = school["teacher"], school["students"][0]
    group = groups.create_group(db.uow(), Actor.web(teacher.id, None), "Physics group",
                                [s.id for s in school["students"]])
    task_id = assign_one(db, teacher, sam, "Read chapter 4", due_at=clock.now() + timedelta(days=2))
    desk = teams.create_team(db.uow(), Actor.system(), teams.TeamSpec("Facilities"),
                             [teams.MemberSpec(teacher.id, is_lead=True)])
    ticket = tickets.file_ticket(db.uow(), Actor.telegram(sam.id), TicketSpec(desk.id, "Leaking tap")).ticket
    deps = make_deps(db, timezone="Asia/Tokyo")
    app = create_app(deps)
    ids = {"groups": str(group.id), "people": str(sam.id), "person_id": str(sam.id), "tasks": str(task_id),
           "task_id": str(task_id), "remove": str(sam.id), "assignments": "1", "token": "x",
           "tickets": str(ticket.id), "ticket_id": str(ticket.id), "teams": str(desk.id)}
    totals: dict[str, int] = {}
    failures: list[str] = []
    for who in (admin if role is Role.ADMIN else teacher,):
        info = auth.create_session(db.uow(), who.id, "127.0.0.1")
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL,
                                     cookies={"tb_session": info.session_id}) as http:
            seeds = [path for method, path, _ in _plain_gets(app)] + [
                dashboard_path(deps, sam.id), f"/r/{desk_links.requester_token(deps.links, sam.id, clock.now())}"]
            fuzzer = Fuzzer(http, list(app.routes), ids, api_token(db, who.id), seeds)
            await fuzzer.run()
            still_in = await http.get("/admin/tasks")
            assert still_in.status_code == 200, f"{who.name} lost the session during the fuzz run"
        for status, n in fuzzer.seen.items():
            totals[f"{who.role.value} {status}"] = n
        failures += [f"{who.role.value}: {f}" for f in fuzzer.failures]
    requests = sum(totals.values())
    print(f"\nfuzz corpus on {database_url.split(':')[0]}: {requests} requests, "
          f"{len(failures)} answered 5xx; by status {dict(sorted(totals.items()))}")
    assert requests > 1000, "the corpus did not reach the routes"
    assert not failures, "\n".join(failures[:60])


def _plain_gets(app):
    from tests.web.fuzz.corpus import routes_of

    return [(m, p, r) for m, p, r in routes_of(list(app.routes)) if m == "GET" and "{" not in p]
