"""The admin console's plumbing: who is signed in, which roles may open a page, CSRF on every form,
single-use forms (web.nonces), domain refusals as pages, flash messages and redirects after a POST.
Authorisation is decided again by the domain services (from the actor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import wraps
from typing import Any
from urllib.parse import urlencode

import anyio
from anyio import to_thread
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from domain import idempotency
from domain.actors import Actor
from domain.alerts import services as alerts
from domain.auth.services import SessionInfo, SignedIn
from domain.errors import DomainError, InvalidInput
from domain.models import Role
from domain.perms.catalogue import (
    AUDIT_READ,
    BACKUPS_RUN,
    DELIVERY_MANAGE,
    FEES_MANAGE,
    OPS_ADMIN,
    PEOPLE_MANAGE,
    PERMISSIONS,
    REFERRALS_MANAGE,
    SETTINGS_MANAGE,
    defaults_for,
)
from domain.uow import UnitOfWork
from web.deps import get_deps
from web.errors import status_for
from web.forms import field_problem, parse_id
from web.nonces import WAIT, BadNonce, form_once, kept_location, new_nonce
from web.pages import refusal, render, zone
from web.security import client_ip, user_agent
from web.session import SAFE_METHODS, current_session, same_origin, session_csrf, session_csrf_ok

ADMIN_ONLY = (Role.ADMIN,)
STAFF = (Role.ADMIN, Role.TEACHER)
MAX_FORM_FIELDS = 5000

NAV: list[tuple[str, str, tuple[Role, ...] | str]] = [  # (path, label, roles or the permission it needs)
    ("/admin/alerts", "Alerts", tuple(Role)),
    ("/admin/announcements", "Announcements", STAFF),
    ("/admin/inbox", "Inbox", STAFF),
    ("/admin/classes", "Classes", STAFF),
    ("/admin/tasks", "Tasks", STAFF),
    ("/admin/tickets", "Tickets", tuple(Role)),
    ("/admin/queue", "Queue", (Role.ADMIN, Role.TEACHER, Role.MEMBER)),
    ("/admin/metrics", "Metrics", (Role.ADMIN, Role.TEACHER, Role.MEMBER)),
    ("/admin/groups", "Groups", STAFF),
    ("/admin/batches", "Batches", STAFF),
    ("/admin/marks", "Marks", STAFF),
    ("/admin/homework", "Homework", STAFF),
    ("/admin/risk", "Risk", STAFF),
    ("/admin/insights", "Insights", STAFF),
    ("/admin/engagement", "Engagement", ADMIN_ONLY),
    ("/admin/reports", "Reports", STAFF),
    ("/admin/fees", "Fees", FEES_MANAGE),
    ("/admin/people", "People", PEOPLE_MANAGE),
    ("/admin/referrals", "Referrals", REFERRALS_MANAGE),
    ("/admin/teams", "Teams", OPS_ADMIN),
    ("/admin/sla", "SLA", OPS_ADMIN),
    ("/admin/audit", "Audit log", AUDIT_READ),
    ("/admin/settings", "Settings", SETTINGS_MANAGE),
    ("/admin/backups", "Backups", BACKUPS_RUN),
    ("/admin/delivery", "Delivery", DELIVERY_MANAGE),
]


def may_open(person: SignedIn, need: tuple[Role, ...] | str) -> bool:
    """Whether the signed-in person may open a page needing `need` (roles, or a named permission)."""
    return person.holds(need) if isinstance(need, str) else person.role in need


FLASH = {  # ?m=<code> after a POST -> the message shown on the page it lands on
    "status": "Status changed.",
    "role": "Role changed.",
    "parent": "Parent linked.",
    "permission": "Permission changed (audited).",
    "group_created": "Group created.",
    "group_deleted": "Group deleted.",
    "members_added": "Members added.",
    "member_removed": "Member removed.",
    "assigned": "Assigned.",
    "cancelled": "Cancelled.",
    "reassigned": "Reassigned: they have the task now.",
    "unchanged": "Nothing changed: it was already like that.",
}


@dataclass(frozen=True)
class Console:
    """What a console handler gets: the session, the signed-in person, the actor, the CSRF token, the form."""

    session: SessionInfo
    person: SignedIn
    actor: Actor
    csrf: str
    form: FormData | None

    @property
    def is_admin(self) -> bool:
        return self.person.is_admin

    def field(self, name: str, default: str = "") -> str:
        """A text field of the posted form (files and absent fields give `default`)."""
        value = self.form.get(name) if self.form is not None else None
        return value if isinstance(value, str) else default

    def fields(self, name: str) -> list[str]:
        """Every text value of a repeated field (ticked boxes)."""
        if self.form is None:
            return []
        return [v for v in self.form.getlist(name) if isinstance(v, str)]


ConsoleHandler = Callable[[Request, Console], Awaitable[Response]]
Handler = Callable[[Request], Awaitable[Response]]

def section_of(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:3]) if len(parts) >= 3 else "/admin"


def console_page(*roles: Role, perm: str | None = None,
                 back: str | None = None) -> Callable[[ConsoleHandler], Handler]:
    """Require a live session of someone holding `perm` (else of one of `roles`); check origin and CSRF on
    every POST. The services check again, from the actor."""
    allowed: tuple[Role, ...] | str = perm or roles or STAFF

    def decorate(handler: ConsoleHandler) -> Handler:
        @wraps(handler)
        async def wrapped(request: Request) -> Response:
            deps = get_deps(request)
            info = await current_session(request)
            if info is None:
                if request.method in SAFE_METHODS:
                    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
                    return RedirectResponse("/login?" + urlencode({"next": target}), 303)
                return refusal(request, 401, "Your session has ended; nothing was changed. Sign in again.",
                               back_url="/login", back_label="Sign in", hint=False)
            person = info.person
            if not may_open(person, allowed):
                return refusal(request, 403, _refused(allowed), title="Not for you",
                               back_url="/admin" if person.role in STAFF else None,
                               back_label="Back to the console", hint=False)
            form = None
            if request.method not in SAFE_METHODS:
                if not same_origin(request):
                    return refusal(request, 403, "This form was sent from another site; nothing was changed.",
                                   title="Refused", hint=False)
                form = await request.form(max_fields=MAX_FORM_FIELDS)
                if not session_csrf_ok(deps.settings, info, form.get("csrf")):
                    return refusal(request, 403, "This form is out of date; nothing was changed. "
                                   "Open the page again and retry.", title="Refused",
                                   back_url=back or section_of(request.url.path),
                                   back_label="Back", hint=False)
            console = Console(info, person, Actor.web(person.id, client_ip(request), user_agent(request)),
                              session_csrf(deps.settings, info), form)
            if form is not None and (problem := field_problem(form.multi_items())) is not None:
                refused = InvalidInput(problem)  # a multipart form (urlencoded ones: web.input_guard)
                return refusal(request, status_for(refused), refused.message, title="That did not work",
                               back_url=back or section_of(request.url.path), back_label="Back", hint=False)
            if form is None:  # a page: the nav's unread-alerts badge
                request.state.alerts_unread = await run(alerts.unread_count, deps.db.uow(readonly=True), person.id)
                return await _handle(request, console, handler, back)
            return await _single_use(request, console, handler, back)

        return wrapped

    return decorate


def _refused(need: tuple[Role, ...] | str) -> str:
    if isinstance(need, str):
        holders = tuple(r for r in STAFF if need in defaults_for(r))
        who = "administrators" if holders == ADMIN_ONLY else "administrators and teachers"
        return f"This page is for {who} only (it needs the {need} permission: {PERMISSIONS[need].lower()})."
    who = "administrators" if need == ADMIN_ONLY else "administrators and teachers"
    return f"This page is for {who} only."


async def _handle(request: Request, c: Console, handler: ConsoleHandler, back: str | None) -> Response:
    """Run the handler; a domain refusal becomes a page."""
    try:
        return await handler(request, c)
    except DomainError as exc:
        return refusal(request, status_for(exc), exc.message, title="That did not work",
                       back_url=back or section_of(request.url.path), back_label="Back", hint=False)


async def _claim(request: Request, once: idempotency.Once) -> idempotency.Stored | None:
    """Claim the form's nonce; while an earlier submit of it still runs, wait for that one (up to WAIT)."""
    for _ in range(int(WAIT / 0.1)):
        try:
            return await run(idempotency.claim, uow_of(request), once)
        except idempotency.KeyInProgress:
            await anyio.sleep(0.1)
    return await run(idempotency.claim, uow_of(request), once)


async def _single_use(request: Request, c: Console, handler: ConsoleHandler, back: str | None) -> Response:
    """Run a posted form once per nonce: a resubmission lands where the first went and writes nothing."""
    back_url = back or section_of(request.url.path)
    try:
        once = await form_once(request, c.person.id, c.form) if c.form is not None else None
    except BadNonce:
        return refusal(request, 400, "This form is out of date; nothing was changed. Open the page again and "
                       "retry.", title="Refused", back_url=back_url, back_label="Back", hint=False)
    if once is None:
        return await _handle(request, c, handler, back)
    try:
        stored = await _claim(request, once)
    except idempotency.KeyInProgress:
        return refusal(request, 409, "This form is being sent already; nothing more was done. Wait a moment "
                       "and open the page again.", title="Already on its way", back_url=back_url,
                       back_label="Back", hint=False)
    if stored is not None:
        return RedirectResponse(stored.answer.get("location") or back_url, 303)
    try:
        response = await _handle(request, c, handler, back)
    except Exception:
        await run(idempotency.release, uow_of(request), once)
        raise
    location = kept_location(response)
    try:
        if location is None:  # a page, not a redirect: nothing was written, the form may be sent again
            await run(idempotency.release, uow_of(request), once)
        else:
            await run(idempotency.complete, uow_of(request), once, response.status_code, {"location": location})
    except idempotency.KeyInProgress:
        pass  # a resubmission took over a claim older than the lease; this answer stands
    return response


def page(request: Request, c: Console, template: str, context: dict[str, Any],
         status_code: int = 200) -> HTMLResponse:
    """Render a console page with the navigation, the viewer, the form token and a fresh form nonce."""
    deps = get_deps(request)
    nav = [(path, label) for path, label, need in NAV if may_open(c.person, need)]
    return render(request, template, {
        "flash": None, "me": c.person, "csrf": c.csrf, "nonce": new_nonce(), "nav": nav,
        "current": section_of(request.url.path), "alerts_unread": getattr(request.state, "alerts_unread", 0),
        "tz": zone(c.person.timezone, deps.settings.timezone), **context}, status_code)


async def run(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call a (blocking) domain function in a worker thread."""
    return await to_thread.run_sync(lambda: fn(*args, **kwargs))


def uow_of(request: Request, readonly: bool = False) -> UnitOfWork:
    """A fresh unit of work to hand to one domain call."""
    return get_deps(request).db.uow(readonly=readonly)


def flash_message(request: Request) -> str | None:
    """The message for the page's ?m= code (an import's counts come in the query too), or None."""
    code = request.query_params.get("m", "")
    if code == "imported":
        counts = {k: parse_id(request.query_params.get(k)) or 0 for k in ("added", "updated", "skipped")}
        return (f"Imported: {counts['added']} added, {counts['updated']} updated, "
                f"{counts['skipped']} skipped because of errors.")
    return FLASH.get(code)


def see_other(path: str, **query: object) -> RedirectResponse:
    """303 to `path` with the non-empty `query` values."""
    q = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(path + (f"?{urlencode(q)}" if q else ""), 303)


def back_to(raw: str, default: str) -> str:
    """The posted `back` path if it stays under `default` (no other site, no huge value), else `default`."""
    return raw if raw.startswith(default) and "//" not in raw and len(raw) < 1000 else default


def with_mark(path: str, code: str) -> str:
    """`path` with its flash code replaced by `code`."""
    base, _, query = path.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("m=")]
    return f"{base}?{'&'.join([*kept, f'm={code}'])}"
