"""A small fake of the Google Sheets v4 HTTP API (and an OAuth token endpoint), served locally.

gspread's real client talks to it: `fake.route(client)` mounts a requests transport adapter on
the client's session(s) that sends what gspread addresses to https://sheets.googleapis.com to
this server instead, and refuses (recording it in `fake.blocked`) any other non-local URL, so
nothing reaches Google. gspread builds its URLs itself, untouched.

What it implements, as gspread 6 uses it:
  GET  /v4/spreadsheets/{key}                         spreadsheets.get (metadata)
  POST /v4/spreadsheets/{key}:batchUpdate             addSheet, updateSheetProperties, deleteSheet
  GET  /v4/spreadsheets/{key}/values/{range}          values.get
  PUT  /v4/spreadsheets/{key}/values/{range}          values.update (valueInputOption required)
  POST /v4/spreadsheets/{key}/values/{range}:clear    values.clear
  POST /v4/spreadsheets/{key}/values:batchUpdate      values.batchUpdate
  POST /token                                         OAuth 2 JWT-bearer grant (service accounts)
with Google's error shapes, grid limits ("exceeds grid limits") and fault injection on writes
(every non-GET Sheets call): `fail_next_writes(n, 429)`, `fail_writes_from(k, 500)`.
"""

from __future__ import annotations

import base64
import copy
import json
import re
import threading
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import gspread
import requests
from requests.adapters import HTTPAdapter
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from tgsandbox.server import ThreadedUvicorn

SHEETS_HOST = "sheets.googleapis.com"
STATUS_NAMES = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED", 500: "INTERNAL", 503: "UNAVAILABLE"}
_A1 = re.compile(r"^([A-Za-z]*)(\d*)$")


class ApiFault(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


@dataclass
class Sheet:
    sheet_id: int
    title: str
    index: int
    rows: int = 1000
    cols: int = 26
    cells: dict[tuple[int, int], Any] = field(default_factory=dict)  # (row, col), 1-based

    def properties(self) -> dict[str, Any]:
        return {"sheetId": self.sheet_id, "title": self.title, "index": self.index, "sheetType": "GRID",
                "gridProperties": {"rowCount": self.rows, "columnCount": self.cols}}

    def values(self) -> list[list[Any]]:
        """The cells as rows, trailing empty cells and rows dropped (as the API returns them)."""
        if not self.cells:
            return []
        height = max(r for r, _ in self.cells)
        out = []
        for r in range(1, height + 1):
            row_cols = [c for rr, c in self.cells if rr == r]
            width = max(row_cols, default=0)
            out.append([self.cells.get((r, c), "") for c in range(1, width + 1)])
        return out


@dataclass
class Spreadsheet:
    key: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    next_id: int = 1

    def sheet(self, title: str) -> Sheet:
        for s in self.sheets:
            if s.title == title:
                return s
        raise ApiFault(400, f"Unable to parse range: '{title}'")

    def metadata(self) -> dict[str, Any]:
        return {"spreadsheetId": self.key,
                "properties": {"title": self.title, "locale": "en_GB", "timeZone": "Etc/UTC"},
                "sheets": [{"properties": s.properties()} for s in self.sheets],
                "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{self.key}/edit"}


@dataclass
class Call:
    method: str
    path: str
    status: int
    write: bool


def _col_number(letters: str) -> int:
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_range(text: str) -> tuple[str, tuple[int, int, int | None, int | None]]:
    """"'people'!A2:G9" -> ("people", (2, 1, 9, 7)); open ends are None."""
    if text.startswith("'"):
        end, i = None, 1
        while i < len(text):
            if text[i] == "'" and text[i + 1:i + 2] == "'":
                i += 2
                continue
            if text[i] == "'":
                end = i
                break
            i += 1
        if end is None:
            raise ApiFault(400, f"Unable to parse range: {text}")
        title, rest = text[1:end].replace("''", "'"), text[end + 1:]
    else:
        title, _, a1 = text.partition("!")
        rest = "!" + a1 if a1 else ""
    if not rest:
        return title, (1, 1, None, None)
    if not rest.startswith("!"):
        raise ApiFault(400, f"Unable to parse range: {text}")
    first, _, last = rest[1:].partition(":")
    m1, m2 = _A1.match(first), _A1.match(last or first)
    if not m1 or not m2:
        raise ApiFault(400, f"Unable to parse range: {text}")
    r1, c1 = int(m1[2] or 1), _col_number(m1[1]) if m1[1] else 1
    r2 = int(m2[2]) if m2[2] else None
    c2 = _col_number(m2[1]) if m2[1] else None
    if not last:  # a single cell: an anchor for values.update, a cell otherwise
        r2, c2 = r1, c1
    return title, (r1, c1, r2, c2)


class FakeSheets:
    """The fake API in a background uvicorn thread; state lives in memory, guarded by a lock."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.app = Starlette(routes=[Route("/{path:path}", self._handle,
                                           methods=["GET", "POST", "PUT", "DELETE"])])
        self._server = ThreadedUvicorn(self.app, "127.0.0.1", 0)
        self.url = ""
        self.reset()

    # --- lifecycle and set-up ------------------------------------------------------------

    def start(self) -> str:
        self.url = self._server.start()
        return self.url

    def stop(self) -> None:
        self._server.stop()

    def reset(self) -> None:
        with self._lock:
            self.spreadsheets: dict[str, Spreadsheet] = {}
            self.calls: list[Call] = []
            self.blocked: list[str] = []
            self.write_calls = 0
            self._fail_next: list[int] = []
            self._fail_from: tuple[int, int] | None = None
            self.issued_tokens: list[str] = []
            self.token_claims: list[dict[str, Any]] = []
            self.require_token = False  # when True, API calls need a Bearer token issued here
            self.forbidden: set[str] = set()

    def add_spreadsheet(self, key: str, title: str = "Taskbell backup",
                        sheets: tuple[str, ...] = ("Sheet1",)) -> None:
        with self._lock:
            book = Spreadsheet(key, title)
            for name in sheets:
                book.sheets.append(Sheet(book.next_id, name, len(book.sheets)))
                book.next_id += 1
            self.spreadsheets[key] = book

    def put_values(self, key: str, title: str, values: list[list[Any]]) -> None:
        """Fill a worksheet directly (an older export, say)."""
        with self._lock:
            sheet = self.spreadsheets[key].sheet(title)
            for r, row in enumerate(values, 1):
                for c, v in enumerate(row, 1):
                    sheet.cells[(r, c)] = v

    # --- fault injection -------------------------------------------------------------------

    def forbid(self, key: str) -> None:
        """Answer 403 to every call on this spreadsheet (not shared with the caller)."""
        with self._lock:
            self.forbidden.add(key)

    def fail_next_writes(self, n: int, status: int = 429) -> None:
        """Answer `status` to the next `n` write calls."""
        with self._lock:
            self._fail_next.extend([status] * n)

    def fail_writes_from(self, k: int, status: int = 500) -> None:
        """Answer `status` to the k-th write call from now (1-based) and to every one after it."""
        with self._lock:
            self._fail_from = (self.write_calls + k, status)

    # --- reading back ----------------------------------------------------------------------

    def titles(self, key: str) -> list[str]:
        with self._lock:
            return [s.title for s in self.spreadsheets[key].sheets]

    def values(self, key: str, title: str) -> list[list[Any]]:
        with self._lock:
            return self.spreadsheets[key].sheet(title).values()

    def grid(self, key: str, title: str) -> tuple[int, int]:
        with self._lock:
            sheet = self.spreadsheets[key].sheet(title)
            return sheet.rows, sheet.cols

    def statuses(self, *, writes_only: bool = True) -> list[int]:
        with self._lock:
            return [c.status for c in self.calls if c.write or not writes_only]

    # --- wiring gspread to it ----------------------------------------------------------------

    def route(self, client: gspread.Client) -> gspread.Client:
        """Send the client's Sheets traffic here and refuse every other non-local URL."""
        session = client.http_client.session
        sessions = [session, getattr(session, "_auth_request_session", None)]  # token refreshes
        for s in sessions:
            if s is not None:
                adapter = _RouteToFake(self)
                s.mount("https://", adapter)
                s.mount("http://", adapter)
        return client

    # --- the HTTP side -----------------------------------------------------------------------

    async def _handle(self, request: Request) -> Response:
        raw_path = request.scope.get("raw_path") or request.url.path.encode()
        path = raw_path.decode("ascii").split("?", 1)[0]
        body = await request.body()
        method = request.method
        write = method != "GET" and path.startswith("/v4/")
        with self._lock:
            try:
                if path == "/token" and method == "POST":
                    status, payload = 200, self._token(body)
                else:
                    self._check_auth(request)
                    if write:
                        self._inject_fault()
                    status, payload = 200, self._api(method, path, dict(request.query_params), body)
            except ApiFault as fault:
                status = fault.status
                payload = {"error": {"code": status, "message": fault.message,
                                     "status": STATUS_NAMES.get(status, "UNKNOWN")}}
            self.calls.append(Call(method, unquote(path), status, write))
        return JSONResponse(payload, status_code=status)

    def _inject_fault(self) -> None:
        self.write_calls += 1
        if self._fail_next:
            status = self._fail_next.pop(0)
            raise ApiFault(status, _fault_message(status))
        if self._fail_from is not None and self.write_calls >= self._fail_from[0]:
            raise ApiFault(self._fail_from[1], _fault_message(self._fail_from[1]))

    def _check_auth(self, request: Request) -> None:
        if not self.require_token:
            return
        header = request.headers.get("authorization", "")
        if not header.startswith("Bearer ") or header[7:] not in self.issued_tokens:
            raise ApiFault(401, "Request had invalid authentication credentials.")

    def _token(self, body: bytes) -> dict[str, Any]:
        form = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        if form.get("grant_type") != "urn:ietf:params:oauth:grant-type:jwt-bearer":
            raise ApiFault(400, "unsupported_grant_type")
        try:
            claims_part = form["assertion"].split(".")[1]
            claims = json.loads(base64.urlsafe_b64decode(claims_part + "=" * (-len(claims_part) % 4)))
        except (KeyError, IndexError, ValueError) as exc:
            raise ApiFault(400, "invalid_grant") from exc
        token = f"fake-access-token-{len(self.issued_tokens) + 1}"
        self.issued_tokens.append(token)
        self.token_claims.append(claims)
        return {"access_token": token, "expires_in": 3600, "token_type": "Bearer"}

    def _api(self, method: str, path: str, query: dict[str, str], body: bytes) -> dict[str, Any]:
        prefix = "/v4/spreadsheets/"
        if not path.startswith(prefix):
            raise ApiFault(404, f"No such endpoint: {path}")
        rest = path[len(prefix):]
        key_part, _, tail = rest.partition("/")
        key, _, verb = key_part.partition(":")
        if unquote(key) in self.forbidden:
            raise ApiFault(403, "The caller does not have permission")
        book = self.spreadsheets.get(unquote(key))
        if book is None:
            raise ApiFault(404, "Requested entity was not found.")
        data = json.loads(body) if body else {}
        if not tail:
            if method == "GET" and not verb:
                return book.metadata()
            if method == "POST" and verb == "batchUpdate":
                return self._batch_update(book, data)
        elif tail == "values:batchUpdate" and method == "POST":
            self._need_input_option(data.get("valueInputOption"))
            replies = [self._write(book, item["range"], item.get("values", [])) for item in data.get("data", [])]
            return {"spreadsheetId": book.key, "responses": replies,
                    "totalUpdatedCells": sum(r["updatedCells"] for r in replies)}
        elif tail.startswith("values/"):
            range_part = tail[len("values/"):]
            if range_part.endswith(":clear") and method == "POST":
                return self._clear(book, unquote(range_part[:-len(":clear")]))
            if ":" not in range_part:
                range_text = unquote(range_part)
                if method == "PUT":
                    self._need_input_option(query.get("valueInputOption"))
                    return self._write(book, range_text, data.get("values", []))
                if method == "GET":
                    title, _ = parse_range(range_text)
                    return {"range": range_text, "majorDimension": "ROWS",
                            "values": book.sheet(title).values()}
        raise ApiFault(404, f"No such endpoint: {method} {path}")

    @staticmethod
    def _need_input_option(value: str | None) -> None:
        if value not in ("RAW", "USER_ENTERED"):
            raise ApiFault(400, "'valueInputOption' is required but not specified")

    def _batch_update(self, book: Spreadsheet, data: dict[str, Any]) -> dict[str, Any]:
        work = copy.deepcopy(book)  # all requests apply, or none (as in the real API)
        replies: list[dict[str, Any]] = []
        for req in data.get("requests", []):
            if "addSheet" in req:
                props = req["addSheet"].get("properties", {})
                title = props.get("title") or f"Sheet{work.next_id}"
                if any(s.title == title for s in work.sheets):
                    raise ApiFault(400, f'Invalid requests[0].addSheet: A sheet with the name "{title}" '
                                        "already exists. Please enter another name.")
                grid = props.get("gridProperties", {})
                sheet = Sheet(work.next_id, title, len(work.sheets), int(grid.get("rowCount", 1000)),
                              int(grid.get("columnCount", 26)))
                work.next_id += 1
                work.sheets.append(sheet)
                replies.append({"addSheet": {"properties": sheet.properties()}})
            elif "updateSheetProperties" in req:
                props = req["updateSheetProperties"]["properties"]
                sheet = next((s for s in work.sheets if s.sheet_id == props.get("sheetId")), None)
                if sheet is None:
                    raise ApiFault(400, f"No grid with id: {props.get('sheetId')}")
                grid = props.get("gridProperties", {})
                rows, cols = int(grid.get("rowCount", sheet.rows)), int(grid.get("columnCount", sheet.cols))
                if rows < 1 or cols < 1:
                    raise ApiFault(400, "You can't delete all the rows (or columns) on the sheet.")
                sheet.rows, sheet.cols = rows, cols
                sheet.cells = {(r, c): v for (r, c), v in sheet.cells.items() if r <= rows and c <= cols}
                replies.append({})
            elif "deleteSheet" in req:
                work.sheets = [s for s in work.sheets if s.sheet_id != req["deleteSheet"]["sheetId"]]
                replies.append({})
            else:
                raise ApiFault(400, f"The fake does not implement {sorted(req)}")
        book.sheets, book.next_id = work.sheets, work.next_id
        return {"spreadsheetId": book.key, "replies": replies}

    def _write(self, book: Spreadsheet, range_text: str, values: list[list[Any]]) -> dict[str, Any]:
        title, (r1, c1, r2, c2) = parse_range(range_text)
        sheet = book.sheet(title)
        height = len(values)
        width = max((len(row) for row in values), default=0)
        last_row, last_col = r1 + max(height, 1) - 1, c1 + max(width, 1) - 1
        if r2 is not None and c2 is not None and (r2, c2) != (r1, c1) and (last_row > r2 or last_col > c2):
            beyond = f"row [{last_row}]" if last_row > r2 else f"column [{last_col}]"
            raise ApiFault(400, f"Requested writing within range [{range_text}], but tried writing to {beyond}")
        if last_row > sheet.rows or last_col > sheet.cols:
            raise ApiFault(400, f"Range ({range_text}) exceeds grid limits. Max rows: {sheet.rows}, "
                                f"max columns: {sheet.cols}")
        for i, row in enumerate(values):
            for j, value in enumerate(row):
                if value is None:
                    continue  # null leaves the cell as it is
                if value == "":
                    sheet.cells.pop((r1 + i, c1 + j), None)
                else:
                    sheet.cells[(r1 + i, c1 + j)] = value
        return {"spreadsheetId": book.key, "updatedRange": range_text, "updatedRows": height,
                "updatedColumns": width, "updatedCells": sum(len(row) for row in values)}

    def _clear(self, book: Spreadsheet, range_text: str) -> dict[str, Any]:
        title, (r1, c1, r2, c2) = parse_range(range_text)
        sheet = book.sheet(title)
        sheet.cells = {(r, c): v for (r, c), v in sheet.cells.items()
                       if not (r1 <= r <= (r2 or sheet.rows) and c1 <= c <= (c2 or sheet.cols))}
        return {"spreadsheetId": book.key, "clearedRange": range_text}


def _fault_message(status: int) -> str:
    if status == 429:
        return ("Quota exceeded for quota metric 'Write requests' and limit 'Write requests per minute "
                "per user' of service 'sheets.googleapis.com'.")
    if status == 403:
        return "The caller does not have permission"
    return "Internal error encountered." if status >= 500 else f"Error {status}"


class _RouteToFake(HTTPAdapter):
    """Rewrites https://sheets.googleapis.com/... to the fake; refuses every other remote URL."""

    def __init__(self, fake: FakeSheets) -> None:
        super().__init__()
        self.fake = fake

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = request.url or ""
        parts = urlsplit(url)
        if parts.netloc == SHEETS_HOST:
            request.url = self.fake.url + parts.path + (f"?{parts.query}" if parts.query else "")
        elif not url.startswith(self.fake.url + "/"):
            with self.fake._lock:
                self.fake.blocked.append(url)
            raise requests.ConnectionError(f"tests never reach the network: refused {url}")
        return super().send(request, *args, **kwargs)
