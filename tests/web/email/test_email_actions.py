"""Email action links over HTTP (real app, both databases): a GET changes nothing, the POST works once."""

from __future__ import annotations

import re

from domain.actors import Actor
from domain.email_actions import SignedMailLinks
from domain.links import LinkSigner
from domain.models import Role
from domain.people import services as people
from domain.teams import services as teams
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from tests.auxil.databases import task_status
from tests.auxil.web import BASE_URL, KEYS, client, make_deps
from tests.factories import assign_one as assign
from tests.web.dashboard.test_dashboard import snapshot


def links(db) -> SignedMailLinks:
    return SignedMailLinks(LinkSigner(KEYS), BASE_URL, db)


def path_of(url: str) -> str:
    assert url.startswith(BASE_URL)
    return url[len(BASE_URL):]


def csrf_of(html: str) -> str:
    return re.search(r'name="csrf" value="([0-9a-f]+)"', html).group(1)


async def test_get_changes_nothing_and_the_post_works_once(db, make_person, clock):
    admin = make_person(Role.ADMIN, "Ada Admin")
    me = make_person(Role.STUDENT, "Sam Student")
    task = assign(db, admin, me, "Read chapter 3")
    start = path_of(links(db).action_url(me.id, "start", task))
    done = path_of(links(db).action_url(me.id, "complete", task))
    before = snapshot(db)
    async with client(make_deps(db)) as http:
        for _ in range(3):  # a mail scanner fetching the link, then the person opening it
            page = await http.get(start)
            assert page.status_code == 200 and "Read chapter 3" in page.text and "Start the task" in page.text
        assert snapshot(db) == before and task_status(db, task) == "pending"
        first = await http.post(start, data={"csrf": csrf_of(page.text)})
        assert first.status_code == 200 and "Started." in first.text
        assert task_status(db, task) == "in_progress"
        after_first = snapshot(db)
        second = await http.post(start, data={"csrf": csrf_of(page.text)})
        assert second.status_code == 200 and "Nothing changed: already started." in second.text
        assert snapshot(db) == after_first
        again = await http.get(start)
        assert 'id="action-done"' in again.text and "<form" not in again.text
        page = await http.get(done)
        finished = await http.post(done, data={"csrf": csrf_of(page.text)})
        assert "Done. Well done!" in finished.text and task_status(db, task) == "done"


async def test_refused_without_the_form_token_from_elsewhere_or_for_another_person(db, make_person, clock):
    admin = make_person(Role.ADMIN)
    me = make_person(Role.STUDENT, "Sam Student")
    other = make_person(Role.STUDENT, "Olga Other")
    task = assign(db, admin, me, "Mine only")
    start = path_of(links(db).action_url(me.id, "start", task))
    theirs = path_of(links(db).action_url(other.id, "start", task))
    async with client(make_deps(db)) as http:
        page = await http.get(start)
        assert (await http.post(start, data={})).status_code == 403
        cross = await http.post(start, data={"csrf": csrf_of(page.text)},
                                headers={"sec-fetch-site": "cross-site"})
        assert cross.status_code == 403
        assert (await http.get(theirs)).status_code == 404
        forged = start[:-3] + ("AAA" if not start.endswith("AAA") else "BBB")
        assert (await http.get(forged)).status_code == 403
        assert task_status(db, task) == "pending"
        people.revoke_links(db.uow(), Actor.telegram(me.id), me.id)
        assert (await http.get(start)).status_code == 403  # revoked with the dashboard links
        clock.advance(days=15)
        assert (await http.get(theirs)).status_code in (403, 410)


def test_actions_not_offered_by_email_have_no_link(db, make_person):
    me = make_person(Role.STUDENT)
    assert links(db).action_url(me.id, "decline", 1) is None
    assert links(db).action_url(me.id, "start", 1).startswith(f"{BASE_URL}/e/")


async def test_a_leads_accept_and_resolve_links_work_once_and_others_see_nothing(db, make_person):
    lead, rita, outsider = make_person(Role.MEMBER, "Lena Lead"), make_person(Role.STUDENT), make_person(Role.MEMBER)
    team = teams.create_team(db.uow(), Actor.system(), TeamSpec("Facilities"), [MemberSpec(lead.id, is_lead=True)])
    ticket = desk.file_ticket(db.uow(), Actor.telegram(rita.id),
                              TicketSpec(team_id=team.id, title="Leaking tap")).ticket.id
    accept = path_of(links(db).action_url(lead.id, "accept", ticket))
    resolve = path_of(links(db).action_url(lead.id, "resolve", ticket))
    nosy = path_of(links(db).action_url(outsider.id, "accept", ticket))
    async with client(make_deps(db)) as http:
        page = await http.get(accept)
        assert page.status_code == 200 and "Leaking tap" in page.text and "Accept the ticket" in page.text
        assert (await http.get(nosy)).status_code == 404  # never reveals the ticket
        first = await http.post(accept, data={"csrf": csrf_of(page.text)})
        assert "Accepted #" in first.text
        second = await http.post(accept, data={"csrf": csrf_of(page.text)})
        assert "Nothing changed: already accepted." in second.text
        page = await http.get(resolve)
        done = await http.post(resolve, data={"csrf": csrf_of(page.text)})
        assert "Resolved #" in done.text and 'id="action-state">resolved<' in done.text
