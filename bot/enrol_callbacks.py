"""The /enrol conversation's buttons (kept apart from bot.callbacks, which is near its size limit):
  en:b:<batch>   the batch chosen      en:s:<student>   the student chosen      en:ok  en:no   confirm or cancel
Registered with bot.callbacks, so `decode` knows them and nothing else encodes or decodes them."""

from __future__ import annotations

import re
from typing import ClassVar

from bot.callbacks import _ID, Callback, _Constant, _id, _kind


@_kind
class EnrolBatch(Callback):
    """/enrol: the batch to add a student to."""

    batch_id: int

    REGEX: ClassVar = re.compile(r"en:b:" + _ID)
    ROUTE: ClassVar = r"^en:b:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("en:b", _id)


@_kind
class EnrolStudent(Callback):
    """/enrol: the student to add."""

    student_id: int

    REGEX: ClassVar = re.compile(r"en:s:" + _ID)
    ROUTE: ClassVar = r"^en:s:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("en:s", _id)


@_kind
class EnrolConfirm(_Constant):
    """/enrol: Confirm."""

    WIRE: ClassVar = "en:ok"
    ROUTE: ClassVar = r"^en:(?:ok|no)$"


@_kind
class EnrolCancel(_Constant):
    """/enrol: Cancel."""

    WIRE: ClassVar = "en:no"
    ROUTE: ClassVar = r"^en:(?:ok|no)$"
