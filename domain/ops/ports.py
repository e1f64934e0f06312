"""What the operations use cases need from the outside world, as protocols the adapters implement.

The domain keeps the rules (which rows are exported, how many backups are kept, the backup log);
`adapters.backup_files` copies database files and `adapters.google_sheets` talks to Google. The
composition root, the scheduler, the CLI and the web app build an adapter and pass it in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

Progress = Callable[[int, int], None]  # (pages copied, total pages)
Cell = str | int | float | bool


@dataclass(frozen=True)
class BackupResult:
    path: Path
    size_bytes: int
    kind: str


class BackupStore(Protocol):
    """Copies of one database as files in a directory: take, check, list, delete, restore."""

    kind: str  # the backup log's kind: "sqlite" or "pg_dump"
    suffix: str  # the file name's suffix: ".db" or ".dump"
    restorable: bool  # whether restore() can put a copy back into the live database

    def take(self, target: Path, progress: Progress | None = None) -> BackupResult:
        """Write a consistent, checked copy of the database to `target`, or raise and leave nothing."""
        ...

    def check(self, path: Path) -> tuple[bool, str]:
        """Whether the copy at `path` is sound, and the detail ("ok" or what is wrong)."""
        ...

    def list(self, directory: Path, pattern: str) -> list[Path]:
        """The files in `directory` matching the glob `pattern`, oldest (by name) first."""
        ...

    def delete(self, path: Path) -> None:
        """Remove one copy; a copy already gone is no error."""
        ...

    def restore(self, file: Path, progress: Progress | None = None) -> None:
        """Replace the live database's content with the checked copy at `file`."""
        ...


class Worksheet(Protocol):
    """One worksheet being written: rows are 1-based, row 1 holds the header."""

    def write(self, first_row: int, values: Sequence[Sequence[Cell]]) -> None:
        """Write `values` (all as wide as the sheet) from `first_row` on, in one request."""
        ...


class Spreadsheet(Protocol):
    """An opened spreadsheet."""

    def worksheet(self, title: str, rows: int, cols: int) -> Worksheet:
        """The worksheet `title`, empty and exactly rows x cols: created when missing, else resized and cleared."""
        ...


class SpreadsheetSink(Protocol):
    """Where the Sheets export writes: opens a spreadsheet by key and explains its own failures."""

    def open(self, key: str) -> Spreadsheet:
        """Open the spreadsheet with this key; raises when it does not exist or cannot be reached."""
        ...

    def explain(self, exc: BaseException, key: str) -> str | None:
        """A sentence for a failure the sink knows (no such spreadsheet, not shared), else None."""
        ...
