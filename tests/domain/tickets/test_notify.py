"""Notifications by rule, one message per person per event; comments reach the other side; internal notes
never reach the requester."""

from __future__ import annotations

from collections import Counter

from domain.models import Role
from domain.teams import services as teams
from domain.tickets import services as desk


def test_someone_on_three_lists_gets_one_message_per_event(world, make_person):
    boss = make_person(Role.MEMBER, "Bea Boss")
    teams.set_org_cc(world.db.uow(), world.actor(world.admin), [boss.id, world.nina.id])
    # Nina: a new-ticket recipient, on the CC list and a watcher: three lists, one message.
    tid = world.file(watcher_ids=[world.nina.id, world.crew.id])
    assert Counter(world.told("ticket_new")) == {world.lead.id: 1, world.nina.id: 1, world.crew.id: 1, boss.id: 1}
    # Resolution: Nina is a resolution recipient and a watcher; Carl a watcher and an assignee.
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id, world.nina.id])
    desk.resolve(world.db.uow(), world.actor(world.lead), tid, "Fixed")
    assert Counter(world.told("ticket_resolved")) == {world.nina.id: 1, world.crew.id: 1}
    assert world.told("ticket_card") == [world.rita.id] * 3  # filed, accepted, resolved
    # A lead who also requested: her own card only, no second message.
    mine = world.file(world.lead, title="Bulb out")
    per_person = Counter(r for k, r, d in world.outbox() if d.get("ticket_id") == mine and k.startswith("ticket_"))
    assert per_person == {world.lead.id: 1, world.nina.id: 1, boss.id: 1}
    assert [k for k, r, d in world.outbox() if d.get("ticket_id") == mine and r == world.lead.id] == ["ticket_card"]


def test_comments_reach_the_other_side_and_internal_notes_stay_with_staff(world):
    tid = world.file()
    desk.comment(world.db.uow(), world.actor(world.rita), tid, "It is getting worse")
    assert world.told("ticket_comment") == [world.lead.id]  # nobody assigned yet: the leads
    desk.accept(world.db.uow(), world.actor(world.lead), tid, [world.crew.id, world.crew2.id])
    desk.comment(world.db.uow(), world.actor(world.rita), tid, "Any news?")
    assert world.told("ticket_comment")[1:] == [world.crew.id, world.crew2.id]
    desk.comment(world.db.uow(), world.actor(world.crew), tid, "On my way")
    assert world.told("ticket_comment")[3:] == [world.rita.id, world.crew2.id]
    desk.comment(world.db.uow(), world.actor(world.crew), tid, "Needs a plumber, expensive", internal=True)
    assert world.told("ticket_comment")[5:] == [world.crew2.id]
    from domain.tickets import queries

    hers = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.rita), tid)
    assert all(not e.internal for e in hers.timeline)
    assert all("plumber" not in str(d) for _k, r, d in world.outbox() if r == world.rita.id)
    staff = queries.get_ticket(world.db.uow(readonly=True), world.actor(world.crew2), tid)
    assert [e.text for e in staff.timeline if e.internal] == ["Needs a plumber, expensive"]
