"""The console's alerts: my alerts (read, dismiss), my subscriptions, an admin's broadcast, and the
admins' rules page (enable, threshold, severity, recipients, window)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.alerts import rules as alert_rules
from domain.alerts import services as alerts
from domain.errors import InvalidInput
from domain.models import Role
from domain.perms.catalogue import ALERTS_BROADCAST, ALERTS_MANAGE
from web.console import Console, console_page, page, run, uow_of
from web.forms import bounded, parse_ids, path_id

EVERYONE = tuple(Role)
FLASH = {"read": "Marked as read.", "dismissed": "Dismissed.", "subs": "Your alert choices are saved.",
         "rule": "Rule saved.", "none": "Nobody matched: nothing was sent."}


@console_page(*EVERYONE)
async def alerts_page(request: Request, c: Console) -> Response:
    """My undismissed alerts, newest first, with my subscriptions (and the broadcast form for admins)."""
    rows = await run(alerts.list_mine, uow_of(request, True), c.actor)
    subs = await run(alert_rules.my_subscriptions, uow_of(request, True), c.actor)
    sent = request.query_params.get("sent", "")
    flash = FLASH.get(request.query_params.get("m", "")) or (
        f"Announcement sent to {sent} people." if sent.isdigit() else None)
    choices = await run(alerts.broadcast_choices, uow_of(request, True), c.actor) \
        if c.person.holds(ALERTS_BROADCAST) else None
    return page(request, c, "admin/alerts.html", {"alerts": rows, "subs": subs, "flash": flash,
                                                  "choices": choices})


@console_page(*EVERYONE, back="/admin/alerts")
async def mark(request: Request, c: Console) -> Response:
    """Read or dismiss one of my alerts."""
    alert_id = path_id(request)
    dismiss = request.url.path.endswith("/dismiss")
    await run(alerts.dismiss if dismiss else alerts.mark_read, uow_of(request), c.actor, alert_id)
    return RedirectResponse(f"/admin/alerts?m={'dismissed' if dismiss else 'read'}", 303)


@console_page(*EVERYONE, back="/admin/alerts")
async def save_subscriptions(request: Request, c: Console) -> Response:
    """My choice per alert type: receive it or not, and by Telegram, email or both."""
    choices = {t: (c.field(f"on_{t}") == "1", c.field(f"ch_{t}", "telegram")) for t in alert_rules.DEFAULTS}
    await run(alert_rules.subscribe, uow_of(request), c.actor, choices)
    return RedirectResponse("/admin/alerts?m=subs", 303)


@console_page(perm=ALERTS_BROADCAST, back="/admin/alerts")
async def broadcast(request: Request, c: Console) -> Response:
    """An announcement (alerts.broadcast) to the roles, teams and groups ticked."""
    told = await run(alerts.broadcast, uow_of(request), c.actor, bounded(c.field("title"), 200, strip=True),
                     bounded(c.field("text"), 1500, strip=True), roles=c.fields("roles"),
                     teams=parse_ids(c.fields("teams")), groups=parse_ids(c.fields("groups")),
                     severity=c.field("severity", "info"))
    return RedirectResponse(f"/admin/alerts?sent={told}" if told else "/admin/alerts?m=none", 303)


@console_page(perm=ALERTS_MANAGE)
async def rules_page(request: Request, c: Console) -> Response:
    """Every alert type's rule, each with its form."""
    view = await run(alert_rules.list_rules, uow_of(request, True), c.actor)
    return page(request, c, "admin/alert_rules.html", {
        "view": view, "severities": alert_rules.SEVERITIES, "flash": FLASH.get(request.query_params.get("m", ""))})


def _number(raw: str, name: str) -> int | None:
    raw = raw.strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 6:
        raise InvalidInput(f"{name} must be a whole number of minutes.")
    return int(raw)


@console_page(perm=ALERTS_MANAGE, back="/admin/alert-rules")
async def save_rule(request: Request, c: Console) -> Response:
    """Save one type's rule."""
    await run(alert_rules.save_rule, uow_of(request), c.actor, request.path_params["type"][:40],
              enabled=c.field("enabled") == "1", threshold=_number(c.field("threshold"), "The threshold"),
              severity=c.field("severity"), roles=c.fields("roles"), teams=parse_ids(c.fields("teams")),
              people=parse_ids(c.fields("people")),
              window_minutes=_number(c.field("window"), "The window") or 0)
    return RedirectResponse("/admin/alert-rules?m=rule", 303)


routes = [
    Route("/admin/alerts", alerts_page, methods=["GET"], name="admin_alerts"),
    Route("/admin/alerts/subscriptions", save_subscriptions, methods=["POST"]),
    Route("/admin/alerts/broadcast", broadcast, methods=["POST"]),
    Route("/admin/alerts/{id}/read", mark, methods=["POST"]),
    Route("/admin/alerts/{id}/dismiss", mark, methods=["POST"]),
    Route("/admin/alert-rules", rules_page, methods=["GET"], name="admin_alert_rules"),
    Route("/admin/alert-rules/{type}", save_rule, methods=["POST"]),
]
