"""The SLA page (admins): each team's targets per priority, business hours or 24/7, the statuses that
pause the clock, and the organisation's business calendar. Saving recomputes the open tickets concerned
(domain.sla.services)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.perms.catalogue import OPS_ADMIN
from domain.sla import services as sla
from web.console import Console, console_page, page, run, see_other, uow_of
from web.forms import optional_id

FLASH = {"policy": "Policy saved; the open tickets were recomputed.",
         "reset": "Back to the default targets; the open tickets were recomputed.",
         "calendar": "Business calendar saved; the open tickets were recomputed."}
WEEKDAYS = ((1, "Mon"), (2, "Tue"), (3, "Wed"), (4, "Thu"), (5, "Fri"), (6, "Sat"), (7, "Sun"))


async def _page(request: Request, c: Console, error: str | None = None, status: int = 200) -> Response:
    policies = await run(sla.list_policies, uow_of(request, True), c.actor)
    calendar = await run(sla.get_calendar, uow_of(request, True), c.actor)
    teams: dict[tuple[int, str], list[sla.PolicyRow]] = {}
    for row in policies:
        teams.setdefault((row.team_id, row.team), []).append(row)
    return page(request, c, "admin/sla.html", {
        "teams": teams, "calendar": calendar, "weekdays": WEEKDAYS, "pausable": sla.PAUSABLE, "error": error,
        "flash": FLASH.get(request.query_params.get("m", ""))}, status)


def _minutes(text: str, label: str) -> int:
    """Minutes typed as 90, 90m, 4h or 2d."""
    raw = text.strip().lower().replace(" ", "")
    unit = {"m": 1, "h": 60, "d": 1440}.get(raw[-1:], 1) if raw else 1
    number = raw[:-1] if raw[-1:] in ("m", "h", "d") else raw
    if not number.isdigit() or len(number) > 6:
        raise InvalidInput(f"The {label} target: write minutes (90), hours (4h) or days (3d).")
    return int(number) * unit


@console_page(perm=OPS_ADMIN)
async def sla_page(request: Request, c: Console) -> Response:
    """Every team's SLA targets and the business calendar."""
    return await _page(request, c)


@console_page(perm=OPS_ADMIN, back="/admin/sla")
async def sla_save_policy(request: Request, c: Console) -> Response:
    """Save one team's targets for one priority, or reset them to the defaults."""
    team_id = optional_id(c.field("team_id"), "team") or 0
    try:
        if c.field("reset"):
            await run(sla.reset_policy, uow_of(request), c.actor, team_id, c.field("priority"))
            return see_other("/admin/sla", m="reset")
        spec = sla.PolicyIn(team_id, c.field("priority"), _minutes(c.field("first_response"), "first response"),
                            _minutes(c.field("resolution"), "resolution"), c.field("business_hours") == "yes",
                            c.fields("pause"))
        await run(sla.save_policy, uow_of(request), c.actor, spec)
    except InvalidInput as refused:
        return await _page(request, c, refused.message, 422)
    return see_other("/admin/sla", m="policy")


@console_page(perm=OPS_ADMIN, back="/admin/sla")
async def sla_save_calendar(request: Request, c: Console) -> Response:
    """Save the business calendar: working days, hours and holidays."""
    days = [int(d) for d in c.fields("day") if d.isdigit()]
    try:
        await run(sla.save_calendar, uow_of(request), c.actor, days, c.field("start"), c.field("end"),
                  c.field("holidays").replace(",", "\n").splitlines())
    except InvalidInput as refused:
        return await _page(request, c, refused.message, 422)
    return see_other("/admin/sla", m="calendar")


routes = [
    Route("/admin/sla", sla_page, methods=["GET"], name="admin_sla"),
    Route("/admin/sla/policy", sla_save_policy, methods=["POST"]),
    Route("/admin/sla/calendar", sla_save_calendar, methods=["POST"]),
]
