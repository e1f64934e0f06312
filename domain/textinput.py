"""What text a person may hand us: no NUL byte, no other control character (tab and line breaks
aside), no unpaired UTF-16 surrogate. PostgreSQL cannot store a NUL in text and no database can store a
lone surrogate; the others only hide text from the reader. Every edge (web forms and query strings, the
JSON API, the bot's typed text) checks with this one function before a value reaches a service."""

from __future__ import annotations

import re

from domain.errors import InvalidInput

# C0 controls but tab, LF and CR; DEL and the C1 controls; the surrogate range (only lone ones
# exist in a Python str).
_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
_LINE_BREAK = re.compile("[\n\r]")


def text_problem(value: str, *, multiline: bool = True) -> str | None:
    """Why `value` cannot be taken (a phrase to follow "contains"), or None when it can."""
    found = _FORBIDDEN.search(value)
    if found is not None:
        char = found.group()
        if char == "\x00":
            return "a NUL byte"
        if "\ud800" <= char <= "\udfff":
            return "an unpaired surrogate (broken Unicode)"
        return f"a control character (U+{ord(char):04X})"
    if not multiline and _LINE_BREAK.search(value):
        return "a line break"
    return None


def check_text(value: str, what: str = "The text", *, multiline: bool = True) -> str:
    """`value` unchanged, or InvalidInput("<what> contains a NUL byte; ...")."""
    problem = text_problem(value, multiline=multiline)
    if problem is not None:
        raise InvalidInput(f"{what} contains {problem}; remove it and try again.")
    return value


def printable(value: str) -> str:
    """`value` with what `text_problem` refuses replaced by U+FFFD (to name a field in a message)."""
    return _FORBIDDEN.sub("\ufffd", value)
