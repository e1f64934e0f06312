"""Every button's callback_data: one typed value per kind, encoded and decoded here and nowhere else.

The wire strings are those the bot has always sent (buttons already in chats keep working):
  task:<start|complete|approve|reopen>:<task>[:l<page>]   task buttons (on a card, or in /tasks)
  tl:<page>  tl:keep                                     /tasks pages; "Keep" after a cancel offer
  asg:<cancel|sure>:<assignment>                         /assigned: cancel the open part of an assignment
  as:skip  as:t:<g|p>:<id>  as:pg:<page>  as:done  as:due:<n|none>  as:pr:<priority>  as:rv:<1|0>  as:ok  as:no
                                                         the /assign conversation
  at:t:<session>:<student>:<page>  at:pg:<session>:<page>  at:all:<session>:<page>  at:sub:<session>:<page>
  at:open:<session>                                      the attendance sheet
  atd:<YYYY-MM-DD>                                       /attendance: another day
  ab:<session>:<student>                                 /absent: the class chosen
  ib:<action>:<reviewed|notify_parent|ignore>            an inbox item's buttons
  sn:<task>:<1h|tomorrow>                                a reminder's snooze buttons
Telegram allows 64 bytes of callback_data; `encode` refuses anything longer.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, fields
from datetime import date
from typing import Any, ClassVar, Literal, TypeVar

from domain.models import Priority

MAX_BYTES = 64
MAX_ID = 2**63 - 1  # a BIGINT primary key
MAX_PAGE = 9999  # pages and choice numbers: four digits, as the handlers have always accepted

_ID = r"(\d{1,19})"
_PAGE = r"(\d{1,4})"

TaskAction = Literal["start", "complete", "approve", "reopen"]
Resolution = Literal["reviewed", "notify_parent", "ignore"]
SnoozeFor = Literal["1h", "tomorrow"]


class Callback:
    """A button's meaning. Subclasses say how they look on the wire and which handler route takes them."""

    REGEX: ClassVar[re.Pattern[str]]
    ROUTE: ClassVar[str]  # the CallbackQueryHandler pattern that routes this kind (see `pattern`)
    CONVERT: ClassVar[tuple[Callable[[str], Any], ...]] = ()  # for the default `parse`: one per group
    WRITE: ClassVar[tuple[Any, ...]] = ()  # for the default `wire`: the prefix, then one writer per field

    def wire(self) -> str:
        """By default, WRITE's prefix and then each field as its writer writes it, colon-separated."""
        prefix, *writers = self.WRITE
        values = [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]
        return ":".join([prefix, *(write(v) for write, v in zip(writers, values, strict=True))])

    @classmethod
    def parse(cls, m: re.Match[str]) -> Callback | None:
        """By default, the regex's groups converted in field order."""
        return cls(*(convert(g) for convert, g in zip(cls.CONVERT, m.groups(), strict=True)))


class _Constant(Callback):
    """A kind with no values: always the same string."""

    WIRE: ClassVar[str]

    def wire(self) -> str:
        return self.WIRE


KINDS: list[type[Callback]] = []
C = TypeVar("C", bound=type[Callback])


def _kind(cls: C) -> C:
    """Register a kind for `decode`, as a frozen dataclass."""
    if issubclass(cls, _Constant):
        cls.REGEX = re.compile(re.escape(cls.WIRE))
    kind = dataclass(frozen=True)(cls)
    KINDS.append(kind)
    return kind


def _id(n: int) -> str:
    if not 0 <= n <= MAX_ID:
        raise ValueError(f"id out of range: {n}")
    return str(n)


def _page(n: int) -> str:
    if not 0 <= n <= MAX_PAGE:
        raise ValueError(f"page out of range: {n}")
    return str(n)


# --- tasks ---------------------------------------------------------------------------------

@_kind
class TaskButton(Callback):
    """Start / Complete / Approve / Reopen on a task; `list_page` when pressed in the /tasks list."""

    action: TaskAction
    task_id: int
    list_page: int | None = None

    REGEX: ClassVar = re.compile(r"task:(start|complete|approve|reopen):" + _ID + r"(?::l" + _PAGE + r")?")
    ROUTE: ClassVar = r"^task:"

    def wire(self) -> str:
        tail = "" if self.list_page is None else f":l{_page(self.list_page)}"
        return f"task:{self.action}:{_id(self.task_id)}{tail}"

    @classmethod
    def parse(cls, m: re.Match[str]) -> TaskButton:
        return cls(m.group(1), int(m.group(2)), None if m.group(3) is None else int(m.group(3)))  # type: ignore[arg-type]


@_kind
class TaskListKeep(_Constant):
    """"Keep" after an offer to cancel an assignment (it shares the tl: prefix with the list pages)."""

    WIRE: ClassVar = "tl:keep"
    ROUTE: ClassVar = r"^tl:keep$"


@_kind
class TaskListPage(Callback):
    """A page of /tasks."""

    page: int

    REGEX: ClassVar = re.compile(r"tl:" + _PAGE)
    ROUTE: ClassVar = r"^tl:"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("tl", _page)


@_kind
class CancelAssignment(Callback):
    """/assigned: offer to cancel an assignment for those not done (`sure` = confirmed)."""

    step: Literal["cancel", "sure"]
    assignment_id: int

    REGEX: ClassVar = re.compile(r"asg:(cancel|sure):" + _ID)
    ROUTE: ClassVar = r"^asg:"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("asg", str, _id)


# --- the /assign conversation ----------------------------------------------------------------

@_kind
class AssignSkip(_Constant):
    """Skip the description."""

    WIRE: ClassVar = "as:skip"
    ROUTE: ClassVar = r"^as:skip$"


@_kind
class AssignToggle(Callback):
    """Choose or unchoose a group (`g`) or a person (`p`) as recipients."""

    target: Literal["g", "p"]
    target_id: int

    REGEX: ClassVar = re.compile(r"as:t:(g|p):" + _ID)
    ROUTE: ClassVar = r"^as:t"
    CONVERT: ClassVar = (str, int)
    WRITE: ClassVar = ("as:t", str, _id)


@_kind
class AssignPage(Callback):
    """A page of possible recipients."""

    page: int

    REGEX: ClassVar = re.compile(r"as:pg:" + _PAGE)
    ROUTE: ClassVar = r"^as:pg"
    CONVERT: ClassVar = (int,)
    WRITE: ClassVar = ("as:pg", _page)


@_kind
class AssignDone(_Constant):
    """Recipients chosen."""

    WIRE: ClassVar = "as:done"
    ROUTE: ClassVar = r"^as:done"


@_kind
class AssignDue(Callback):
    """A quick due-time choice by its number, or None for "no due time"."""

    choice: int | None

    REGEX: ClassVar = re.compile(r"as:due:(none|" + _PAGE[1:-1] + ")")
    ROUTE: ClassVar = r"^as:due:"

    def wire(self) -> str:
        return "as:due:none" if self.choice is None else f"as:due:{_page(self.choice)}"

    @classmethod
    def parse(cls, m: re.Match[str]) -> AssignDue:
        return cls(None if m.group(1) == "none" else int(m.group(1)))


@_kind
class AssignPriority(Callback):
    """The task's priority."""

    priority: Priority

    REGEX: ClassVar = re.compile(r"as:pr:(" + "|".join(re.escape(p.value) for p in Priority) + ")")
    ROUTE: ClassVar = r"^as:pr:"
    CONVERT: ClassVar = (Priority,)
    WRITE: ClassVar = ("as:pr", lambda p: Priority(p).value)


@_kind
class AssignReview(Callback):
    """Whether completion needs the assigner's review."""

    review: bool

    REGEX: ClassVar = re.compile(r"as:rv:(1|0)")
    ROUTE: ClassVar = r"^as:rv:"
    CONVERT: ClassVar = (lambda g: g == "1",)
    WRITE: ClassVar = ("as:rv", lambda b: str(int(b)))


@_kind
class AssignConfirm(Callback):
    """Confirm (`ok`) or cancel the assignment."""

    ok: bool

    REGEX: ClassVar = re.compile(r"as:(ok|no)")
    ROUTE: ClassVar = r"^as:(ok|no)$"
    CONVERT: ClassVar = (lambda g: g == "ok",)

    def wire(self) -> str:
        return "as:ok" if self.ok else "as:no"


# --- attendance and the inbox ----------------------------------------------------------------

SheetAction = Literal["t", "pg", "all", "sub", "open"]


@_kind
class SheetButton(Callback):
    """A button on the attendance sheet.

    t: toggle `student_id` (showing `page`); pg: show `page`; all: everyone present; sub: submit;
    open: send the sheet afresh. Only `t` carries a student; `open` carries no page.
    """

    action: SheetAction
    session_id: int
    page: int = 0
    student_id: int | None = None

    # As the handler has always read them: at:<action>:<session>[:<n>][:<page>].
    REGEX: ClassVar = re.compile(r"at:(t|pg|all|sub|open):" + _ID + r"(?::" + _ID + r")?(?::" + _PAGE + r")?")
    ROUTE: ClassVar = r"^at:"

    def wire(self) -> str:
        head = f"at:{self.action}:{_id(self.session_id)}"
        if self.action == "t":
            if self.student_id is None:
                raise ValueError("a toggle names its student")
            return f"{head}:{_id(self.student_id)}:{_page(self.page)}"
        if self.student_id is not None or (self.action == "open" and self.page):
            raise ValueError(f"at:{self.action} carries no student" + (" nor page" if self.action == "open" else ""))
        return head if self.action == "open" else f"{head}:{_page(self.page)}"

    @classmethod
    def parse(cls, m: re.Match[str]) -> SheetButton | None:
        action, session_id, n, page = m.group(1), int(m.group(2)), m.group(3), m.group(4)
        if action == "t":
            if n is None:
                return None
            return cls("t", session_id, int(page or 0), int(n))
        if page is not None or (n is not None and len(n) > 4):
            return None
        if action == "open":
            return cls("open", session_id) if n is None else None
        if action == "pg" and n is None:
            return None
        return cls(action, session_id, int(n or 0))  # type: ignore[arg-type]


@_kind
class AttendanceDay(Callback):
    """/attendance: the classes of another day."""

    day: date

    REGEX: ClassVar = re.compile(r"atd:(\d{4}-\d{2}-\d{2})")
    ROUTE: ClassVar = r"^atd:"

    def wire(self) -> str:
        return f"atd:{self.day.isoformat()}"

    @classmethod
    def parse(cls, m: re.Match[str]) -> AttendanceDay | None:
        try:
            return cls(date.fromisoformat(m.group(1)))
        except ValueError:
            return None


@_kind
class AbsentChoice(Callback):
    """/absent: the class (session) and the student to excuse."""

    session_id: int
    student_id: int

    REGEX: ClassVar = re.compile(r"ab:" + _ID + ":" + _ID)
    ROUTE: ClassVar = r"^ab:"
    CONVERT: ClassVar = (int, int)
    WRITE: ClassVar = ("ab", _id, _id)


@_kind
class InboxButton(Callback):
    """Resolve an inbox item."""

    action_id: int
    resolution: Resolution

    REGEX: ClassVar = re.compile(r"ib:" + _ID + r":(reviewed|notify_parent|ignore)")
    ROUTE: ClassVar = r"^ib:"
    CONVERT: ClassVar = (int, str)
    WRITE: ClassVar = ("ib", _id, str)


# --- reminders -----------------------------------------------------------------------------------

@_kind
class Snooze(Callback):
    """Snooze a task's reminders for an hour or until tomorrow."""

    task_id: int
    until: SnoozeFor

    REGEX: ClassVar = re.compile(r"sn:" + _ID + r":(1h|tomorrow)")
    ROUTE: ClassVar = r"^sn:"
    CONVERT: ClassVar = (int, str)
    WRITE: ClassVar = ("sn", _id, str)


# --- the API ---------------------------------------------------------------------------------------

AnyCallback = (TaskButton | TaskListKeep | TaskListPage | CancelAssignment | AssignSkip | AssignToggle | AssignPage
               | AssignDone | AssignDue | AssignPriority | AssignReview | AssignConfirm | SheetButton | AttendanceDay
               | AbsentChoice | InboxButton | Snooze)
T = TypeVar("T", bound=Callback)


def encode(value: AnyCallback) -> str:
    """The callback_data for a button; ValueError if it would not fit Telegram's 64 bytes."""
    data = value.wire()
    if len(data.encode()) > MAX_BYTES:
        raise ValueError(f"callback data over {MAX_BYTES} bytes: {data!r}")
    return data


def decode(data: str | None) -> AnyCallback | None:
    """The typed value behind a button's data, or None for data no handler understands (say, an old button)."""
    if not data:
        return None
    for kind in KINDS:
        m = kind.REGEX.fullmatch(data)
        if m is not None:
            return kind.parse(m)  # type: ignore[return-value]
    return None


def decode_as(data: str | None, kind: type[T]) -> T | None:
    """`decode`, keeping only a value of the expected kind."""
    value = decode(data)
    return value if isinstance(value, kind) else None


def pattern(*kinds: type[Callback]) -> str:
    """The CallbackQueryHandler pattern that routes these kinds (by prefix, so a stale button of the
    kind still reaches its handler, which answers "no longer valid")."""
    routes = [k.ROUTE for k in kinds]
    return routes[0] if len(routes) == 1 else "|".join(f"(?:{r})" for r in routes)

