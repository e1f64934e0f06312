"""Callback data: every kind round-trips, fits Telegram's 64 bytes, and reads the strings already in chats."""

from __future__ import annotations

import re
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot import alert_callbacks as al
from bot import announce_callbacks as an
from bot import callbacks as cb
from bot import decline_callbacks as dc
from bot import desk_callbacks as dk
from bot import enrol_callbacks as en
from bot import homework_callbacks as hw
from bot import queue_callbacks as qc
from bot import referral_callbacks as rf
from bot import ticket_callbacks as tk
from domain.models import Priority

ids = st.integers(min_value=0, max_value=cb.MAX_ID)
pages = st.integers(min_value=0, max_value=cb.MAX_PAGE)

# One strategy per kind, over the whole range the code allows (ids up to 2**63-1, pages up to 9999).
KINDS = {
    cb.TaskButton: st.builds(cb.TaskButton, st.sampled_from(["start", "complete", "approve", "reopen"]), ids,
                             st.none() | pages),
    cb.TaskListKeep: st.just(cb.TaskListKeep()),
    cb.TaskListPage: st.builds(cb.TaskListPage, pages),
    cb.CancelAssignment: st.builds(cb.CancelAssignment, st.sampled_from(["cancel", "sure"]), ids),
    cb.AssignSkip: st.just(cb.AssignSkip()),
    cb.AssignToggle: st.builds(cb.AssignToggle, st.sampled_from(["g", "p"]), ids),
    cb.AssignPage: st.builds(cb.AssignPage, pages),
    cb.AssignDone: st.just(cb.AssignDone()),
    cb.AssignDue: st.builds(cb.AssignDue, st.none() | pages),
    cb.AssignPriority: st.builds(cb.AssignPriority, st.sampled_from(list(Priority))),
    cb.AssignReview: st.builds(cb.AssignReview, st.booleans()),
    cb.AssignConfirm: st.builds(cb.AssignConfirm, st.booleans()),
    cb.SheetButton: st.one_of(
        st.builds(cb.SheetButton, st.just("t"), ids, pages, ids),
        st.builds(cb.SheetButton, st.sampled_from(["pg", "all", "sub"]), ids, pages),
        st.builds(cb.SheetButton, st.just("open"), ids),
    ),
    cb.AttendanceDay: st.builds(cb.AttendanceDay, st.dates()),
    cb.AbsentChoice: st.builds(cb.AbsentChoice, ids, ids),
    cb.InboxButton: st.builds(cb.InboxButton, ids, st.sampled_from(["reviewed", "notify_parent", "ignore"])),
    cb.Snooze: st.builds(cb.Snooze, ids, st.sampled_from(["1h", "tomorrow"])),
    en.EnrolBatch: st.builds(en.EnrolBatch, ids),
    en.EnrolStudent: st.builds(en.EnrolStudent, ids),
    en.EnrolConfirm: st.just(en.EnrolConfirm()),
    en.EnrolCancel: st.just(en.EnrolCancel()),
    rf.ReferSkip: st.just(rf.ReferSkip()),
    rf.ReferConfirm: st.just(rf.ReferConfirm()),
    rf.ReferCancel: st.just(rf.ReferCancel()),
    dc.DeclineButton: st.builds(dc.DeclineButton, ids),
    dc.ReassignPage: st.builds(dc.ReassignPage, ids, pages),
    dc.ReassignTo: st.builds(dc.ReassignTo, ids, ids),
    tk.TicketButton: st.builds(tk.TicketButton, st.sampled_from(list(tk.ACTION_NAMES)), ids),
    tk.TicketListPage: st.builds(tk.TicketListPage, st.sampled_from(list(tk.VIEW_SCOPES)), pages),
    tk.TicketTeam: st.builds(tk.TicketTeam, ids),
    tk.TicketPriority: st.builds(tk.TicketPriority, st.sampled_from([p.value for p in Priority])),
    tk.TicketFromPhoto: st.builds(tk.TicketFromPhoto, st.sampled_from(["yes", "no"])),
    dk.RequestButton: st.builds(dk.RequestButton, st.sampled_from(["skip", "done", "ok", "no"])),
    dk.PickToggle: st.builds(dk.PickToggle, ids),
    dk.PickPage: st.builds(dk.PickPage, pages),
    dk.PickDone: st.just(dk.PickDone()),
    dk.PickDue: st.builds(dk.PickDue, st.none() | pages),
    al.AlertButton: st.builds(al.AlertButton, st.sampled_from(["o", "d"]), ids),
    qc.QueuePageButton: st.builds(qc.QueuePageButton, st.sampled_from(list(qc.SORTS)), pages),
    qc.QueueOpen: st.builds(qc.QueueOpen, st.sampled_from(list(qc.KINDS)), ids),
    an.AnnounceTarget: st.builds(an.AnnounceTarget, pages),
    an.AnnounceStep: st.builds(an.AnnounceStep, st.sampled_from(["u", "n", "ok", "no"])),
    hw.HomeworkBatch: st.builds(hw.HomeworkBatch, ids),
    hw.HomeworkStep: st.builds(hw.HomeworkStep, st.sampled_from(["skip", "done", "ok", "no"])),
    hw.HomeworkItemButton: st.builds(hw.HomeworkItemButton, st.sampled_from(["h", "d", "o", "r"]), ids),
    hw.HomeworkView: st.builds(hw.HomeworkView, ids),
}
ANY = st.one_of(*KINDS.values())


def test_every_kind_has_a_strategy() -> None:
    assert set(KINDS) == set(cb.KINDS)


@settings(database=None, max_examples=300)
@given(ANY)
def test_every_kind_round_trips_and_fits_64_bytes(value: cb.AnyCallback) -> None:
    data = cb.encode(value)
    assert len(data.encode("utf-8")) <= cb.MAX_BYTES
    assert cb.decode(data) == value
    assert cb.decode_as(data, type(value)) == value


@settings(database=None, max_examples=300)
@given(ANY)
def test_the_handler_pattern_of_a_kind_routes_its_data(value: cb.AnyCallback) -> None:
    assert re.match(cb.pattern(type(value)), cb.encode(value))


@pytest.mark.parametrize(("data", "value"), [
    ("task:start:12", cb.TaskButton("start", 12)),
    ("task:complete:7:l3", cb.TaskButton("complete", 7, 3)),
    ("tl:2", cb.TaskListPage(2)),
    ("tl:keep", cb.TaskListKeep()),
    ("asg:cancel:5", cb.CancelAssignment("cancel", 5)),
    ("asg:sure:5", cb.CancelAssignment("sure", 5)),
    ("as:skip", cb.AssignSkip()),
    ("as:t:g:4", cb.AssignToggle("g", 4)),
    ("as:t:p:9", cb.AssignToggle("p", 9)),
    ("as:pg:1", cb.AssignPage(1)),
    ("as:done", cb.AssignDone()),
    ("as:due:2", cb.AssignDue(2)),
    ("as:due:none", cb.AssignDue(None)),
    ("as:pr:high", cb.AssignPriority(Priority.HIGH)),
    ("as:rv:1", cb.AssignReview(True)),
    ("as:rv:0", cb.AssignReview(False)),
    ("as:ok", cb.AssignConfirm(True)),
    ("as:no", cb.AssignConfirm(False)),
    ("at:t:3:44:1", cb.SheetButton("t", 3, 1, 44)),
    ("at:pg:3:2", cb.SheetButton("pg", 3, 2)),
    ("at:all:3:2", cb.SheetButton("all", 3, 2)),
    ("at:sub:3:0", cb.SheetButton("sub", 3, 0)),
    ("at:open:3", cb.SheetButton("open", 3)),
    ("atd:2027-06-01", cb.AttendanceDay(date(2027, 6, 1))),
    ("ab:8:21", cb.AbsentChoice(8, 21)),
    ("ib:6:notify_parent", cb.InboxButton(6, "notify_parent")),
    ("sn:11:tomorrow", cb.Snooze(11, "tomorrow")),
])
def test_the_wire_strings_are_those_already_in_chats(data: str, value: cb.AnyCallback) -> None:
    assert cb.encode(value) == data
    assert cb.decode(data) == value


@pytest.mark.parametrize("data", [
    None, "", "task:explode:1", "task:complete:abc", "task:complete:" + "9" * 60, "tl:x", "asg:maybe:1",
    "as:t:x:1", "as:pr:urgentest", "as:rv:2", "at:t:1", "at:pg:1", "at:open:1:2", "atd:2027-13-40",
    "ab:1", "ib:1:delete", "sn:1:forever", "nonsense",
])
def test_data_no_handler_understands_decodes_to_none(data: str | None) -> None:
    assert cb.decode(data) is None


def test_values_out_of_range_are_refused() -> None:
    with pytest.raises(ValueError):
        cb.encode(cb.TaskButton("start", cb.MAX_ID + 1))
    with pytest.raises(ValueError):
        cb.encode(cb.TaskListPage(cb.MAX_PAGE + 1))
    with pytest.raises(ValueError):
        cb.encode(cb.SheetButton("t", 1, 0))  # a toggle names its student
    with pytest.raises(ValueError):
        cb.encode(cb.TaskButton("start", -1))


def test_a_pattern_for_several_kinds_routes_each_and_nothing_else() -> None:
    p = cb.pattern(cb.AssignToggle, cb.AssignPage, cb.AssignDone)
    assert all(re.match(p, d) for d in ("as:t:g:1", "as:pg:2", "as:done"))
    assert not any(re.match(p, d) for d in ("as:due:1", "as:ok", "tl:1"))
    assert re.match(cb.pattern(cb.TaskListKeep), "tl:keep") and not re.match(cb.pattern(cb.TaskListKeep), "tl:1")
