"""The sandbox's history in a file: one JSON line per change, appended as it happens, replayed on start.

Each line is written with one `os.write` on an O_APPEND descriptor before the change is answered, so a
kill -9 loses nothing already answered (the data sits in the kernel's page cache; only a power cut could
lose it). A torn last line from a crash mid-write is skipped on load. On start the file is rewritten as
a compact snapshot (temporary file, fsync, rename), so it grows only with one run's changes.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any


class Journal:
    """Append-only JSON lines at `path` (created with its folder when missing)."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)
        self._fd: int | None = None
        self._lock = threading.Lock()  # the SMTP server's thread writes too

    def load(self) -> list[dict[str, Any]]:
        """Every record written so far, oldest first; an unreadable line (a torn write) is skipped."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return []
        records = []
        for line in raw.splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue
            if isinstance(record, dict) and "k" in record:
                records.append(record)
        return records

    def write(self, record: dict[str, Any]) -> None:
        """Append one record now."""
        data = (json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n").encode()
        with self._lock:
            if self._fd is None:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                self._fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            while data:
                data = data[os.write(self._fd, data):]

    def rewrite(self, records: Iterable[dict[str, Any]]) -> None:
        """Replace the file by exactly these records, atomically."""
        self.close()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_name(self.path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as f:
            for record in records:
                f.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, self.path)

    def close(self) -> None:
        with self._lock:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None
