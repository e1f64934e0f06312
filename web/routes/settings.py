"""The Settings page (admins): the organisation's rules, and a batch's own where a rule allows it.

One form per scope; "Save" calls settings.save (all or nothing: a refused value is shown next to its
field and nothing is written), a row's "Reset" button calls settings.reset. The catalogue (labels,
help, bounds, which rules a batch may override) is domain.settings.catalogue."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.perms.catalogue import SETTINGS_MANAGE
from domain.settings import services as settings
from web.console import Console, console_page, page, run, see_other, uow_of
from web.forms import optional_id

FLASH = {"saved": "Settings saved.", "unchanged": "Nothing changed: the values were already like that.",
         "reset": "Back to the default.", "inherit": "This batch now follows the organisation's value."}


async def _page(request: Request, c: Console, batch_id: int | None, *, errors: dict[str, str] | None = None,
                posted: dict[str, str] | None = None, error: str | None = None, status: int = 200) -> Response:
    view = await run(settings.settings_view, uow_of(request, True), c.actor, batch_id)
    values = {r.spec.key: (posted or {}).get(r.spec.key, r.value) for r in view.rules}
    sections: dict[str, list[settings.RuleValue]] = {}
    for rule in view.rules:
        sections.setdefault(rule.spec.section, []).append(rule)
    return page(request, c, "admin/settings.html", {
        "view": view, "sections": sections, "values": values, "errors": errors or {}, "error": error,
        "flash": FLASH.get(request.query_params.get("m", ""))}, status)


@console_page(perm=SETTINGS_MANAGE)
async def settings_page(request: Request, c: Console) -> Response:
    """The rules of the organisation, or of the batch in ?batch_id=."""
    return await _page(request, c, optional_id(request.query_params.get("batch_id"), "batch"))


@console_page(perm=SETTINGS_MANAGE, back="/admin/settings")
async def settings_save(request: Request, c: Console) -> Response:
    """Save the posted values, or reset the one rule whose Reset button was pressed."""
    batch_id = optional_id(c.field("batch_id") or None, "batch")
    if key := c.field("reset"):
        done = await run(settings.reset, uow_of(request), c.actor, key, batch_id)
        code = ("inherit" if batch_id else "reset") if done.changed else "unchanged"
        return see_other("/admin/settings", batch_id=batch_id, m=code)
    posted = {k: v for k, v in (c.form or {}).items() if isinstance(v, str) and "." in k}
    try:
        done = await run(settings.save, uow_of(request), c.actor, posted, batch_id)
    except settings.SettingsRefused as refused:
        return await _page(request, c, batch_id, errors=refused.errors, posted=posted, error=refused.message,
                           status=422)
    return see_other("/admin/settings", batch_id=batch_id, m="saved" if done.changed else "unchanged")


routes = [
    Route("/admin/settings", settings_page, methods=["GET"], name="admin_settings"),
    Route("/admin/settings", settings_save, methods=["POST"]),
]
