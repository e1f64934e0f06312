"""Student risk in the console: the students of the viewer's batches (or one batch) with each score's
breakdown and reasons, one student's page with their level changes and the teacher's actions (mark
reviewed, ignore with a note, notify the parents with a message shown before it is sent), and
Recompute now. Every view goes through domain/risk (the one scope rule)."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.risk import actions, engine, queries
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.forms import bounded, parse_id, path_id

FLASH = {"recomputed": "Risk recomputed.", "reviewed": "Marked as reviewed.", "ignored": "Ignored, with your note.",
         "notified": "Sent to the parents; their replies come to you in Telegram."}


async def _list(request: Request, c: Console, batch_id: int | None) -> Response:
    choices = await run(queries.batches, uow_of(request, True), c.actor)
    risk = await run(queries.students, uow_of(request, True), c.actor, batch_id)
    return page(request, c, "admin/risk.html", {
        "risk": risk, "choices": choices, "batch_id": batch_id,
        "flash": FLASH.get(request.query_params.get("m", ""))})


@console_page(*STAFF)
async def risk_all(request: Request, c: Console) -> Response:
    """Every visible student's risk (the viewer's batches; admins all), riskiest first."""
    return await _list(request, c, None)


@console_page(*STAFF, back="/admin/risk")
async def risk_batch(request: Request, c: Console) -> Response:
    """One batch's students with their breakdown and reasons."""
    return await _list(request, c, path_id(request))


@console_page(*STAFF, back="/admin/risk")
async def recompute(request: Request, c: Console) -> Response:
    """Recompute now: one batch (its page), or every visible student."""
    batch_id = parse_id(c.field("batch_id"))
    await run(engine.recompute, uow_of(request), c.actor, batch_id)
    return see_other(f"/admin/risk/batch/{batch_id}" if batch_id else "/admin/risk", m="recomputed")


@console_page(*STAFF, back="/admin/risk")
async def student_page(request: Request, c: Console) -> Response:
    """One student: breakdown, reasons, level changes, and the actions with the parents' message shown."""
    detail = await run(queries.student, uow_of(request, True), c.actor, path_id(request))
    note = await run(actions.parent_note, uow_of(request, True), c.actor, path_id(request)) \
        if detail.risk.level else None
    return page(request, c, "admin/risk_student.html", {
        "d": detail, "note": note, "flash": FLASH.get(request.query_params.get("m", ""))})


@console_page(*STAFF, back="/admin/risk")
async def review(request: Request, c: Console) -> Response:
    """Mark reviewed, or ignore with a note."""
    outcome = c.field("outcome")
    await run(actions.review, uow_of(request), c.actor, path_id(request), outcome, bounded(c.field("note"), 1000))
    return see_other(f"/admin/risk/student/{path_id(request)}", m=outcome)


@console_page(*STAFF, back="/admin/risk")
async def notify(request: Request, c: Console) -> Response:
    """Send the message shown on the student's page to their parents."""
    await run(actions.notify_parents, uow_of(request), c.actor, path_id(request))
    return see_other(f"/admin/risk/student/{path_id(request)}", m="notified")


routes = [
    Route("/admin/risk", risk_all, methods=["GET"], name="admin_risk"),
    Route("/admin/risk/recompute", recompute, methods=["POST"]),
    Route("/admin/risk/batch/{id}", risk_batch, methods=["GET"]),
    Route("/admin/risk/student/{id}", student_page, methods=["GET"]),
    Route("/admin/risk/student/{id}/review", review, methods=["POST"]),
    Route("/admin/risk/student/{id}/notify", notify, methods=["POST"]),
]
