"""The /queue buttons (registered with bot.callbacks, so `decode` knows them):
  qp:<b|p|a|d>:<page>       a page of /queue in an order (time to breach, priority, age, due)
  qo:<k|t>:<id>             open an item of the queue: a ticket (k) or a task (t)
Every wire string is well under Telegram's 64 bytes.
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _ID, _PAGE, Callback, _id, _kind, _page

SortCode = Literal["b", "p", "a", "d"]
SORTS: dict[str, str] = {"b": "breach", "p": "priority", "a": "age", "d": "due"}
KindCode = Literal["k", "t"]
KINDS: dict[str, str] = {"k": "ticket", "t": "task"}


@_kind
class QueuePageButton(Callback):
    """A page of /queue in one order."""

    sort: SortCode
    page: int

    REGEX: ClassVar = re.compile(r"qp:(b|p|a|d):" + _PAGE)
    ROUTE: ClassVar = r"^qp:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("qp", str, _page)


@_kind
class QueueOpen(Callback):
    """Open one item of /queue."""

    kind: KindCode
    item_id: int

    REGEX: ClassVar = re.compile(r"qo:(k|t):" + _ID)
    ROUTE: ClassVar = r"^qo:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("qo", str, _id)
