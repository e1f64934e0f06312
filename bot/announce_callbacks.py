"""/announce's buttons, registered with bot.callbacks so `decode` knows them:
  an:t:<n>              the n-th target offered (the service checks the target again when posting)
  an:<u|n|ok|no>        urgent, not urgent, Confirm, Cancel
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _PAGE, Callback, _kind, _page

AnnounceStepName = Literal["u", "n", "ok", "no"]


@_kind
class AnnounceTarget(Callback):
    """A target chosen by its place in the list offered."""

    choice: int

    REGEX: ClassVar = re.compile(r"an:t:" + _PAGE)
    ROUTE: ClassVar = r"^an:t:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("an:t", _page)


@_kind
class AnnounceStep(Callback):
    """Urgent (`u`) or not (`n`), then Confirm (`ok`) or Cancel (`no`)."""

    step: AnnounceStepName

    REGEX: ClassVar = re.compile(r"an:(u|n|ok|no)")
    ROUTE: ClassVar = r"^an:(u|n|ok|no)$"
    CONVERT: ClassVar = (str,)
    WRITE: ClassVar = ("an", str)
