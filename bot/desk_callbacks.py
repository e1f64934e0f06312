"""desk-bot's own buttons (the /request steps and the leads' people picker); desk-core's ticket buttons
are in bot.ticket_callbacks. Registered with bot.callbacks, so `decode` knows them:
  tkr:<skip|done|ok|no>            /request: skip a step, photos done, Confirm / Cancel
  tka:t:<person>  tka:pg:<page>  tka:done  tka:due:<n|none>
                                   the leads' multi-select of people and the due time (Accept / Assign...)
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _ID, _PAGE, Callback, _Constant, _id, _kind, _page

RequestStep = Literal["skip", "done", "ok", "no"]


@_kind
class RequestButton(Callback):
    """A /request step: skip it, photos done, Confirm (`ok`) or Cancel (`no`)."""

    step: RequestStep

    REGEX: ClassVar = re.compile(r"tkr:(skip|done|ok|no)")
    ROUTE: ClassVar = r"^tkr:"
    CONVERT: ClassVar = (str,)
    WRITE: ClassVar = ("tkr", str)


@_kind
class PickToggle(Callback):
    """Choose or unchoose a person in the leads' picker."""

    person_id: int

    REGEX: ClassVar = re.compile(r"tka:t:" + _ID)
    ROUTE: ClassVar = r"^tka:t:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("tka:t", _id)


@_kind
class PickPage(Callback):
    """A page of the leads' picker."""

    page: int

    REGEX: ClassVar = re.compile(r"tka:pg:" + _PAGE)
    ROUTE: ClassVar = r"^tka:pg:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("tka:pg", _page)


@_kind
class PickDone(_Constant):
    """People chosen."""

    WIRE: ClassVar = "tka:done"
    ROUTE: ClassVar = r"^tka:done$"


@_kind
class PickDue(Callback):
    """A quick due-time choice by its number, or None for "no due time"."""

    choice: int | None

    REGEX: ClassVar = re.compile(r"tka:due:(none|\d{1,4})")
    ROUTE: ClassVar = r"^tka:due:"

    def wire(self) -> str:
        return "tka:due:none" if self.choice is None else f"tka:due:{_page(self.choice)}"

    @classmethod
    def parse(cls, m: re.Match[str]) -> PickDue:
        return cls(None if m.group(1) == "none" else int(m.group(1)))
