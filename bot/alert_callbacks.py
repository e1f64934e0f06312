"""Alert buttons, registered with bot.callbacks so `decode` knows them:
  al:o:<alert>   Open: mark read and show the whole alert
  al:d:<alert>   Dismiss: it leaves the recipient's lists
"""

from __future__ import annotations

import re
from typing import ClassVar, Literal

from bot.callbacks import _ID, Callback, _id, _kind

AlertAction = Literal["o", "d"]


@_kind
class AlertButton(Callback):
    """Open (`o`) or Dismiss (`d`) on an alert."""

    action: AlertAction
    alert_id: int

    REGEX: ClassVar = re.compile(r"al:(o|d):" + _ID)
    ROUTE: ClassVar = r"^al:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("al", str, _id)
