"""Declining a task and reassigning a declined one (kept apart from bot.callbacks, near its size limit):
  dcl:<task>             Decline, on the assignee's task card (then the reason is asked)
  rsp:<task>:<page>      Reassign, on the assigner's "declined" message: a page of people to choose from
  rst:<task>:<person>    the person chosen
Registered with bot.callbacks, so `decode` knows them and nothing else encodes or decodes them."""

from __future__ import annotations

import re
from typing import ClassVar

from bot.callbacks import _ID, _PAGE, Callback, _id, _kind, _page


@_kind
class DeclineButton(Callback):
    """Decline a pending task (the assignee)."""

    task_id: int

    REGEX: ClassVar = re.compile(r"dcl:" + _ID)
    ROUTE: ClassVar = r"^dcl:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("dcl", _id)


@_kind
class ReassignPage(Callback):
    """Reassign a declined task: show one page of the people it may go to."""

    task_id: int
    page: int

    REGEX: ClassVar = re.compile(r"rsp:" + _ID + ":" + _PAGE)
    ROUTE: ClassVar = r"^rsp:"
    CONVERT: ClassVar = (int, int)
    WRITE: ClassVar = ("rsp", _id, _page)


@_kind
class ReassignTo(Callback):
    """Reassign a declined task to this person."""

    task_id: int
    person_id: int

    REGEX: ClassVar = re.compile(r"rst:" + _ID + ":" + _ID)
    ROUTE: ClassVar = r"^rst:"
    CONVERT: ClassVar = (int, int)
    WRITE: ClassVar = ("rst", _id, _id)
