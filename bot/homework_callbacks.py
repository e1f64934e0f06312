"""Homework buttons, registered with bot.callbacks so `decode` knows them:
  hw:b:<batch>                 /homework (teachers): the batch to set homework for
  hw:s:<skip|done|ok|no>       a step of /homework or of a hand-in: skip, files done, Confirm / Send, Cancel
  hw:i:<h|d|o|r>:<item>        on an item: Hand in (h) or Mark done (d) (students); Open (o) or Review (r) (teachers)
  hw:v:<homework>              a homework's hand-ins (teachers)
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _ID, Callback, _id, _kind

HomeworkStepName = Literal["skip", "done", "ok", "no"]
ItemAction = Literal["h", "d", "o", "r"]


@_kind
class HomeworkBatch(Callback):
    """/homework: the batch chosen."""

    batch_id: int

    REGEX: ClassVar = re.compile(r"hw:b:" + _ID)
    ROUTE: ClassVar = r"^hw:b:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("hw:b", _id)


@_kind
class HomeworkStep(Callback):
    """Skip a step, files done, Confirm (`ok`) or Cancel (`no`)."""

    step: HomeworkStepName

    REGEX: ClassVar = re.compile(r"hw:s:(skip|done|ok|no)")
    ROUTE: ClassVar = r"^hw:s:"
    CONVERT: ClassVar = (str,)
    WRITE: ClassVar = ("hw:s", str)


@_kind
class HomeworkItemButton(Callback):
    """A button on one student's item."""

    action: ItemAction
    item_id: int

    REGEX: ClassVar = re.compile(r"hw:i:(h|d|o|r):" + _ID)
    ROUTE: ClassVar = r"^hw:i:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("hw:i", str, _id)


@_kind
class HomeworkView(Callback):
    """A homework's hand-ins, for its batch's teachers."""

    homework_id: int

    REGEX: ClassVar = re.compile(r"hw:v:" + _ID)
    ROUTE: ClassVar = r"^hw:v:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("hw:v", _id)
