"""The service desk's buttons (shared by desk-core's renderers and desk-bot's handlers):
  tk:<acc|rej|asg|res|reo|can|cmt|note|edit|view>:<ticket>   an action on a ticket (leads' Accept / Reject /
                                                              Assign..., Resolve / Reopen, Cancel, Comment...)
  tkl:<all|req|asg|team>:<page>                               a page of /tickets in one of its views
  tkt:<team>                                                  /request: the team chosen
  tkpr:<low|normal|high|urgent>                               /request: the priority chosen
  tkf:<yes|no>                                                "File a request with this photo?"
Registered with bot.callbacks, so `decode` knows them; every wire string is well under 64 bytes.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _ID, _PAGE, Callback, _id, _kind, _page

TicketAction = Literal["acc", "rej", "asg", "res", "reo", "can", "cmt", "note", "edit", "view"]
TicketView = Literal["all", "req", "asg", "team"]
# The domain's names for the short actions (domain.tickets.rows.Action values; "view" is no action).
ACTION_NAMES: dict[str, str] = {"acc": "accept", "rej": "reject", "asg": "assign", "res": "resolve",
                                "reo": "reopen", "can": "cancel", "cmt": "comment", "note": "note",
                                "edit": "edit", "view": "view"}
VIEW_SCOPES: dict[str, str] = {"all": "all", "req": "requested", "asg": "assigned", "team": "team"}


@_kind
class TicketButton(Callback):
    """An action on one ticket (the handler calls the domain service of the same name)."""

    action: TicketAction
    ticket_id: int

    REGEX: ClassVar = re.compile(r"tk:(acc|rej|asg|res|reo|can|cmt|note|edit|view):" + _ID)
    ROUTE: ClassVar = r"^tk:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("tk", str, _id)

    @property
    def domain_action(self) -> str:
        return ACTION_NAMES[self.action]


@_kind
class TicketListPage(Callback):
    """A page of /tickets: everything visible, mine as requester, assigned to me, my teams' open ones."""

    view: TicketView
    page: int

    REGEX: ClassVar = re.compile(r"tkl:(all|req|asg|team):" + _PAGE)
    ROUTE: ClassVar = r"^tkl:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("tkl", str, _page)


@_kind
class TicketTeam(Callback):
    """/request: the team the request goes to."""

    team_id: int

    REGEX: ClassVar = re.compile(r"tkt:" + _ID)
    ROUTE: ClassVar = r"^tkt:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("tkt", _id)


@_kind
class TicketPriority(Callback):
    """/request: the priority (where the team lets requesters choose)."""

    priority: str

    REGEX: ClassVar = re.compile(r"tkpr:(low|normal|high|urgent)")
    ROUTE: ClassVar = r"^tkpr:"
    CONVERT: ClassVar = (str,)
    WRITE: ClassVar = ("tkpr", str)


@_kind
class TicketFromPhoto(Callback):
    """The answer to "File a request with this photo?"."""

    answer: Literal["yes", "no"]

    REGEX: ClassVar = re.compile(r"tkf:(yes|no)")
    ROUTE: ClassVar = r"^tkf:"
    CONVERT: ClassVar = (str,)
    WRITE: ClassVar = ("tkf", str)
