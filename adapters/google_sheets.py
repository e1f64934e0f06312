"""Google Sheets through gspread: the SpreadsheetSink the export (domain.ops.sheets_export) writes to.

What is exported, and the backup log, are the domain's; this module opens the spreadsheet,
creates, resizes and clears worksheets, writes values RAW, and explains Google's refusals.
HTTP 429 (and 408, 5xx, Drive's 403 usageLimits) are retried with exponential backoff by
`RetryingHTTPClient`, a bounded version of gspread's `BackOffHTTPClient`.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Sequence
from http import HTTPStatus
from pathlib import Path
from typing import Any, ClassVar

import gspread
import requests
from google.auth.exceptions import GoogleAuthError
from google.oauth2 import service_account
from gspread.exceptions import APIError, SpreadsheetNotFound
from gspread.http_client import HTTPClient
from gspread.utils import ValueInputOption, rowcol_to_a1

from domain.errors import ConfigError
from domain.ops.ports import Cell

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)  # opening by key needs no Drive scope


class SheetsCredentialsError(ConfigError):
    """The service-account file is missing or is not a usable service-account key."""


# --- HTTP: bounded exponential backoff ----------------------------------------------------

class RetryingHTTPClient(gspread.BackOffHTTPClient):
    """gspread's BackOffHTTPClient, bounded and tunable.

    gspread 6.2's BackOffHTTPClient retries through recursion, never gives up (its limit check
    compares an already clamped wait, so it is always true: gspread PR #1599) and sleeps up to
    128 s between attempts. This one retries in a loop, at most `max_attempts` requests in all,
    waiting `base_delay * 2**n` (plus jitter, at most `max_delay`, or the server's Retry-After),
    and then raises the last error. Make a faster one with `RetryingHTTPClient.tuned(...)`.
    """

    base_delay: ClassVar[float] = 1.0
    max_delay: ClassVar[float] = 64.0
    max_attempts: ClassVar[int] = 7
    RETRY_STATUSES: ClassVar[frozenset[int]] = frozenset({
        HTTPStatus.REQUEST_TIMEOUT, HTTPStatus.TOO_MANY_REQUESTS, HTTPStatus.INTERNAL_SERVER_ERROR,
        HTTPStatus.BAD_GATEWAY, HTTPStatus.SERVICE_UNAVAILABLE, HTTPStatus.GATEWAY_TIMEOUT,
    })

    def __init__(self, auth: Any, session: requests.Session | None = None) -> None:
        super().__init__(auth, session)
        self.retries = 0  # how many requests were repeated, for logs and tests

    @classmethod
    def tuned(cls, *, base_delay: float | None = None, max_delay: float | None = None,
              max_attempts: int | None = None) -> type[RetryingHTTPClient]:
        """A subclass with other delays (gspread.Client takes a class, not an instance)."""
        attrs = {k: v for k, v in {"base_delay": base_delay, "max_delay": max_delay,
                                   "max_attempts": max_attempts}.items() if v is not None}
        return type(cls.__name__, (cls,), attrs)

    def should_retry(self, exc: Exception) -> bool:
        if isinstance(exc, requests.ConnectionError | requests.Timeout):
            return True
        if not isinstance(exc, APIError):
            return False
        if exc.code in self.RETRY_STATUSES:
            return True
        # The Drive API answers 403 (not 429) when a quota is spent.
        errors = exc.error.get("errors") if isinstance(exc.error, dict) else None
        return (exc.code == HTTPStatus.FORBIDDEN and bool(errors) and isinstance(errors[0], dict)
                and errors[0].get("domain") == "usageLimits")

    def delay(self, exc: Exception, attempt: int) -> float:
        response = getattr(exc, "response", None)
        retry_after = response.headers.get("Retry-After") if response is not None else None
        if retry_after and retry_after.strip().isdigit():
            return min(float(retry_after), self.max_delay)
        return min(self.max_delay, self.base_delay * 2 ** (attempt - 1) + random.uniform(0, self.base_delay))

    def request(self, *args: Any, **kwargs: Any) -> requests.Response:
        attempt = 1
        while True:
            try:
                return HTTPClient.request(self, *args, **kwargs)
            except (APIError, requests.ConnectionError, requests.Timeout) as exc:
                if attempt >= self.max_attempts or not self.should_retry(exc):
                    raise
                time.sleep(self.delay(exc, attempt))
                attempt += 1
                self.retries += 1


def client_from_service_account(
    path: str | Path,
    *,
    http_client: type[HTTPClient] = RetryingHTTPClient,
    timeout: float | tuple[float, float] | None = (10.0, 120.0),
) -> gspread.Client:
    """A gspread client authorised by the service-account JSON key at `path`.

    Nothing goes over the network here; the first request fetches the token. Raises
    SheetsCredentialsError, naming the file, when it is missing or not a service-account key.
    """
    raw = str(path).strip()
    if not raw:
        raise SheetsCredentialsError("No Google service-account file is set (GOOGLE_SERVICE_ACCOUNT_FILE).")
    file = Path(raw).expanduser()
    if not file.is_file():
        raise SheetsCredentialsError(f"The Google service-account file {file} does not exist.")
    try:
        info = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise SheetsCredentialsError(f"The Google service-account file {file} is not readable JSON: {exc}") from exc
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise SheetsCredentialsError(
            f"The file {file} is not a service-account key (it needs \"type\": \"service_account\"); "
            "create a JSON key for a service account in the Google Cloud console.")
    missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
    if missing:
        raise SheetsCredentialsError(f"The service-account file {file} lacks {', '.join(missing)}.")
    try:
        creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
    except (ValueError, TypeError, GoogleAuthError) as exc:
        raise SheetsCredentialsError(
            f"The service-account file {file} holds no usable key: {exc or type(exc).__name__}") from exc
    client = gspread.authorize(creds, http_client=http_client)
    client.set_timeout(timeout)
    return client


# --- the sink ------------------------------------------------------------------------------

class _Worksheet:
    """A gspread worksheet of a known width, written RAW (a phone or "=SUM(A1)" stays text)."""

    def __init__(self, worksheet: gspread.Worksheet, cols: int) -> None:
        self._ws, self._cols = worksheet, cols

    def write(self, first_row: int, values: Sequence[Sequence[Cell]]) -> None:
        """One values.update request for the rows from `first_row` on."""
        last = rowcol_to_a1(first_row + len(values) - 1, self._cols)
        self._ws.update([list(row) for row in values], f"A{first_row}:{last}",
                        value_input_option=ValueInputOption.raw)


class _Spreadsheet:
    """An opened spreadsheet and the worksheets it had when opened."""

    def __init__(self, spreadsheet: gspread.Spreadsheet) -> None:
        self._spreadsheet = spreadsheet
        self._existing = {ws.title: ws for ws in spreadsheet.worksheets()}

    def worksheet(self, title: str, rows: int, cols: int) -> _Worksheet:
        """Add the worksheet when missing, else resize and clear it."""
        ws = self._existing.get(title)
        if ws is None:
            ws = self._spreadsheet.add_worksheet(title, rows=rows, cols=cols)
        else:
            ws.resize(rows=rows, cols=cols)
            ws.clear()
        return _Worksheet(ws, cols)


class GoogleSheets:
    """domain.ops.ports.SpreadsheetSink over an authorised gspread client."""

    def __init__(self, client: gspread.Client) -> None:
        self.client = client

    @classmethod
    def from_service_account(cls, path: str | Path) -> GoogleSheets:
        """The sink authorised by the service-account key at `path` (see client_from_service_account)."""
        return cls(client_from_service_account(path))

    def open(self, key: str) -> _Spreadsheet:
        """Open the spreadsheet by key (one metadata request)."""
        return _Spreadsheet(self.client.open_by_key(key))

    def explain(self, exc: BaseException, key: str) -> str | None:
        """A missing spreadsheet, or one not shared with the service account, in words; else None."""
        if isinstance(exc, SpreadsheetNotFound):
            return f"no spreadsheet has the key {key!r} (or the service account cannot see it)"
        if isinstance(exc, PermissionError) and isinstance(exc.__cause__, APIError):
            auth = getattr(self.client.http_client, "auth", None)
            who = getattr(auth, "service_account_email", None) or "the service account"
            return f"permission denied on spreadsheet {key!r}: share it with {who} as an editor"
        return None
