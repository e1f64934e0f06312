"""CSV files people download: one writer, with the spreadsheet formula guard."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable


def csv_safe(value: object) -> str:
    """A cell a spreadsheet will not run as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def write_csv(header: list[str], rows: Iterable[list[object]], raw_columns: Iterable[int] = ()) -> str:
    """CSV text (CRLF lines) with every cell guarded, except those in `raw_columns`; None is empty."""
    raw = set(raw_columns)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([("" if v is None else str(v)) if i in raw else csv_safe(v)
                         for i, v in enumerate(row)])
    return out.getvalue()

