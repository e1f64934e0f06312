"""The /refer conversation's buttons (kept apart from bot.callbacks, which is near its size limit):
  rf:skip   no note          rf:ok  rf:no   confirm or cancel
Registered with bot.callbacks, so `decode` knows them and nothing else encodes or decodes them."""

from __future__ import annotations

from typing import ClassVar

from bot.callbacks import _Constant, _kind


@_kind
class ReferSkip(_Constant):
    """/refer: no note."""

    WIRE: ClassVar = "rf:skip"
    ROUTE: ClassVar = r"^rf:skip$"


@_kind
class ReferConfirm(_Constant):
    """/refer: Confirm."""

    WIRE: ClassVar = "rf:ok"
    ROUTE: ClassVar = r"^rf:(?:ok|no)$"


@_kind
class ReferCancel(_Constant):
    """/refer: Cancel."""

    WIRE: ClassVar = "rf:no"
    ROUTE: ClassVar = r"^rf:(?:ok|no)$"
