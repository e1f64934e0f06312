"""The class attendance sheet behind a one-time link sent by the bot.

GET only looks (Telegram fetches link previews): the token is peeked, never consumed
(att_sheet.sheet_by_link). POST is one domain call (att_sheet.submit_with_link): in one transaction
it consumes the token and submits the sheet through the same service the Telegram sheet uses; any
refusal rolls both back. The teacher and the class come only from the token, never from the form
or the query string.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any
from zoneinfo import ZoneInfo

from anyio import to_thread
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

from domain.attendance import sheet as att_sheet
from domain.attendance.sheet import Sheet, SubmitResult
from domain.auth import services as auth
from domain.errors import DomainError, Forbidden, IllegalTransition, InvalidInput, NotFound
from domain.models import Mark, SessionStatus
from web.deps import get_deps
from web.errors import status_for
from web.forms import parse_id
from web.pages import render, zone
from web.security import CSP, client_ip, csrf_token, csrf_valid, is_same_origin

PURPOSE = auth.ATTENDANCE
MARKS = tuple(m.value for m in Mark)
MAX_FIELDS = 2000
ALREADY_USED = "This link was already used"

# The sheet's own styles; the page's CSP allows exactly this block by its hash.
SHEET_CSS = """
.sheet-head p { margin: .2rem 0; }
.roster { display: grid; gap: .5rem; margin: 1rem 0; }
.student { background: var(--card); border: 1px solid var(--line); border-radius: .6rem;
  padding: .6rem .8rem; margin: 0; min-width: 0; }
.student legend { font-weight: 600; padding: 0; float: left; width: 100%; margin-bottom: .4rem; }
.student .excuse { clear: both; font-size: .85rem; background: #fffbe6; border-radius: .4rem;
  padding: .25rem .5rem; margin: 0 0 .4rem; }
.marks { clear: both; display: grid; grid-template-columns: repeat(4, 1fr); gap: .3rem; }
.marks input { position: absolute; opacity: 0; width: 1px; height: 1px; }
.marks label { text-align: center; border: 1px solid var(--line); border-radius: .45rem;
  padding: .45rem .2rem; cursor: pointer; font-size: .9rem; user-select: none; }
.marks input:focus-visible + label { outline: 3px solid #9bbcf5; outline-offset: 1px; }
.marks input:checked + label { font-weight: 650; color: #fff; }
.marks input.m-present:checked + label { background: var(--ok); border-color: var(--ok); }
.marks input.m-absent:checked + label { background: var(--warn); border-color: var(--warn); }
.marks input.m-late:checked + label { background: #b45309; border-color: #b45309; }
.marks input.m-excused:checked + label { background: var(--muted); border-color: var(--muted); }
.sheet-actions { display: flex; gap: .5rem; flex-wrap: wrap; position: sticky; bottom: 0;
  background: var(--bg); padding: .6rem 0; }
.counts { display: flex; gap: .5rem; flex-wrap: wrap; }
.counts .stat { flex: 1 1 6rem; }
.notice { background: var(--warn-bg); border: 1px solid #fed7aa; padding: .6rem .8rem; border-radius: .5rem; }
"""
_CSS_HASH = base64.b64encode(hashlib.sha256(SHEET_CSS.encode()).digest()).decode()
PAGE_HEADERS = {"content-security-policy": CSP.replace(
    "style-src 'self'", f"style-src 'self' 'sha256-{_CSS_HASH}'")}


TOKEN_REFUSALS = (auth.TokenInvalid, auth.TokenUsed, auth.TokenExpired)


class FormRefused(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status, self.message = status, message


def _token_refusal(exc: InvalidInput) -> tuple[int, str]:
    """Map auth's refusals of a one-time token to a page: used and expired are 410, the rest 403."""
    if isinstance(exc, auth.TokenUsed):
        title = ALREADY_USED
    elif isinstance(exc, auth.TokenExpired):
        title = "This link has expired"
    else:
        title = "This link cannot be used"
    return status_for(exc), title


def _page(request: Request, name: str, context: dict[str, Any], status: int = 200) -> HTMLResponse:
    return with_sheet_styles(render(request, name, {"css": Markup(SHEET_CSS), **context}, status))


def _refuse(request: Request, status: int, message: str, title: str, back: bool = False) -> HTMLResponse:
    return _page(request, "attendance_refusal.html", {
        "status": status, "title": title, "message": message,
        "back_url": request.url.path if back else None}, status)


_TITLES = ((IllegalTransition, "Attendance cannot be taken now"), (Forbidden, "This link cannot be used"),
           (NotFound, "Class not found"), (InvalidInput, "Some marks were not accepted"),
           (DomainError, "That did not work"))


def _status_for(exc: DomainError) -> tuple[int, str]:
    """The page's status (from web.errors) and title for a refusal of the link or of the sheet."""
    if isinstance(exc, TOKEN_REFUSALS):
        return _token_refusal(exc)
    return status_for(exc), next(title for kind, title in _TITLES if isinstance(exc, kind))


# --- the sheet, shared with the console's class page (web.routes.classes) -------------------

LINK_FOOTNOTE = ("Submitting uses up this link; parents of absent students are told once. "
                 "The link is yours alone: please don't forward it.")


def sheet_context(sheet: Sheet, tz: ZoneInfo, csrf: str, *, action: str | None = None,
                  footnote: str = "") -> dict[str, Any]:
    """What `_sheet.html` needs: the sheet, its counts, the marks, the form's target and token."""
    return {"sheet": sheet, "counts": sheet.counts(), "tz": tz, "open": sheet.status == SessionStatus.OPEN,
            "marks": MARKS, "csrf": csrf, "closed_message": att_sheet.CLOSED_MESSAGE, "action": action,
            "footnote": footnote, "css": Markup(SHEET_CSS)}


def with_sheet_styles(response: HTMLResponse) -> HTMLResponse:
    """Allow the sheet's own style block (by its hash) on this response."""
    response.headers.update(PAGE_HEADERS)
    return response


# --- GET: look only ---------------------------------------------------------------------

async def show(request: Request) -> Response:
    """The sheet behind a one-time link, to look at (the link stays unused)."""
    deps = get_deps(request)
    token = request.path_params["token"]
    try:
        sheet = await to_thread.run_sync(att_sheet.sheet_by_link, deps.db.uow(readonly=True), token,
                                         client_ip(request))
    except DomainError as exc:
        status, title = _status_for(exc)
        return _refuse(request, status, exc.message, title)
    return _page(request, "attendance_sheet.html", sheet_context(
        sheet, zone(None, deps.settings.timezone), csrf_token(deps.settings.secret_keys, token),
        footnote=LINK_FOOTNOTE))


# --- POST: consume and submit, atomically ---------------------------------------------------

def parse_marks(form: Mapping[str, Any]) -> dict[int, Mark]:
    """`mark-<student id>` = present | absent | late | excused; other fields are ignored."""
    marks: dict[int, Mark] = {}
    for key, value in form.items():
        if not key.startswith("mark-"):
            continue
        student_id = parse_id(key[len("mark-"):])
        if student_id is None:
            raise FormRefused(422, "The form names a student that is not in this class.")
        if not isinstance(value, str) or value not in MARKS:
            raise FormRefused(422, f"Each mark must be one of: {', '.join(MARKS)}.")
        marks[student_id] = Mark(value)
    return marks


async def submit(request: Request) -> Response:
    """Submit the sheet behind a one-time link (uses the link up)."""
    deps = get_deps(request)
    token = request.path_params["token"]
    if not is_same_origin(request, deps.settings):
        return _refuse(request, 403, "This form was sent from another site; nothing was changed.", "Refused")
    async with request.form(max_fields=MAX_FIELDS, max_files=0) as form:
        given = form.get("csrf")
        if not csrf_valid(deps.settings.secret_keys, token, given if isinstance(given, str) else None):
            return _refuse(request, 403, "This form is out of date; nothing was changed. "
                           "Open the link again and retry.", "Refused")
        try:
            marks = parse_marks(form)
        except FormRefused as exc:
            return _refuse(request, exc.status, exc.message, "Some marks were not accepted", back=True)
    try:
        done: SubmitResult = await to_thread.run_sync(att_sheet.submit_with_link, deps.db.uow(), token,
                                                      client_ip(request), marks)
    except DomainError as exc:
        status, title = _status_for(exc)
        return _refuse(request, status, exc.message, title, back=status == 422)
    return _page(request, "attendance_done.html", {
        "sheet": done.sheet, "counts": done.sheet.counts(), "message": done.message,
        "tz": zone(None, deps.settings.timezone)})


routes = [
    Route("/attendance/sheet/{token}", show, methods=["GET"], name="attendance_sheet"),
    Route("/attendance/sheet/{token}", submit, methods=["POST"], name="attendance_submit"),
]
