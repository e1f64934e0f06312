"""Batches in the console: the list and a new batch (admins), a batch's page with its details, weekly
slots, next classes and roster; edits, slots and parent links (admins), enrolments (admins and the
batch's teachers), and the roster CSV import (preview, then apply). A refusal about one field
(InvalidField) is shown beside that field on the page the form came from."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.attendance import batch_detail, batch_queries, batches, roster_import, rosters, schedule
from domain.errors import InvalidField, InvalidInput
from domain.people import services as people
from domain.perms.catalogue import CLASSES_MANAGE, PEOPLE_MANAGE
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.deps import get_deps
from web.forms import parse_id, parse_ids, path_id
from web.pages import zone
from web.routes.people import _csv_text

FLASH = {
    "created": "Batch created.", "saved": "Batch saved.", "deactivated": "Batch deactivated.",
    "slot_added": "Class time added.", "slot_saved": "Class time saved.", "slot_removed": "Class time removed.",
    "enrolled": "Student enrolled.", "unenrolled": "Student unenrolled; their history stays.",
    "parent": "Parent linked.",
}
WEEKDAYS = batches.WEEKDAYS


def _int(raw: str, field: str, message: str, *, empty: bool = False) -> int | None:
    raw = raw.strip()
    if not raw and empty:
        return None
    if re.fullmatch(r"-?[0-9]{1,6}", raw) is None:
        raise InvalidField(field, message)
    return int(raw)


def _date(raw: str, field: str, default: Any) -> Any:
    try:
        return rosters.parse_day(raw, default)
    except InvalidInput as exc:
        raise InvalidField(field, exc.message) from None


async def _list_page(request: Request, c: Console, errors: dict[str, str] | None = None,
                     values: dict[str, Any] | None = None) -> Response:
    rows = await run(batch_queries.list_batches, uow_of(request, True), c.actor)
    staff = await run(batch_queries.staff_choices, uow_of(request, True), c.actor) if c.person.holds(CLASSES_MANAGE) else []
    flash = FLASH.get(request.query_params.get("m", ""))
    return page(request, c, "admin/batches.html", {
        "rows": rows, "flash": flash, "staff": staff, "errors": errors or {},
        "values": values or {"teacher_ids": []}}, 422 if errors else 200)


@console_page(*STAFF)
async def batches_list(request: Request, c: Console) -> Response:
    """Batches the viewer may see; admins also get the new-batch form."""
    return await _list_page(request, c)


def _batch_fields(c: Console) -> dict[str, Any]:
    return {"name": c.field("name"), "subject": c.field("subject"), "level": c.field("level"),
            "teacher_ids": parse_ids(c.fields("teacher_ids")),
            "grace_minutes": _int(c.field("grace_minutes"), "grace_minutes",
                                  "Write the grace as whole minutes, or leave it empty.", empty=True)}


@console_page(perm=CLASSES_MANAGE, back="/admin/batches")
async def batch_create(request: Request, c: Console) -> Response:
    """Create a batch (admins), then show its page."""
    try:
        info = await run(batches.create_batch, uow_of(request), c.actor, **_batch_fields(c))
    except InvalidField as exc:
        values = {k: c.field(k) for k in ("name", "subject", "level", "grace_minutes")}
        return await _list_page(request, c, {exc.field: exc.message},
                                {**values, "teacher_ids": parse_ids(c.fields("teacher_ids"))})
    return see_other(f"/admin/batches/{info.id}", m="created")


async def _detail_page(request: Request, c: Console, form: str = "", error: InvalidField | None = None) -> Response:
    tz = get_deps(request).settings.timezone
    detail = await run(batch_detail.batch_detail, uow_of(request, True), c.actor, path_id(request), tz)
    today = schedule.local_today_at(get_deps(request).db.clock.now(), tz)
    return page(request, c, "admin/batch.html", {
        "b": detail, "weekdays": WEEKDAYS, "org_tz": zone(tz, "UTC"), "today": today,
        "flash": FLASH.get(request.query_params.get("m", "")), "form": form,
        "errors": {error.field: error.message} if error else {}, "values": dict(c.form or {}) if error else {}},
        422 if error else 200)


@console_page(*STAFF, back="/admin/batches")
async def batch_page(request: Request, c: Console) -> Response:
    """A batch's page: details, weekly slots and the next classes, the roster and its forms."""
    return await _detail_page(request, c)


def _on_field(form: str, done: str) -> Any:
    """Run a batch-page form's handler, then back to the page with the `done` flash; a field refusal
    re-renders the page with the message beside the field of `form`."""
    def decorate(handler: Any) -> Any:
        async def wrapped(request: Request, c: Console) -> Response:
            try:
                await handler(request, c)
            except InvalidField as exc:
                return await _detail_page(request, c, form, exc)
            return see_other(f"/admin/batches/{path_id(request)}", m=done)
        wrapped.__doc__, wrapped.__name__ = handler.__doc__, handler.__name__
        return wrapped
    return decorate


@console_page(perm=CLASSES_MANAGE, back="/admin/batches")
@_on_field("edit", "saved")
async def batch_save(request: Request, c: Console) -> None:
    """Save a batch's details (admins); unticking Active deactivates it."""
    await run(batches.update_batch, uow_of(request), c.actor, path_id(request), **_batch_fields(c),
              active=c.field("active") == "on")


@console_page(perm=CLASSES_MANAGE, back="/admin/batches")
@_on_field("deactivate", "deactivated")
async def batch_deactivate(request: Request, c: Console) -> None:
    """Deactivate a batch (admins): its history stays, its future classes go."""
    await run(batches.deactivate_batch, uow_of(request), c.actor, path_id(request))


def _slot_fields(c: Console) -> dict[str, Any]:
    return {"weekday": _int(c.field("weekday"), "weekday", "Choose a weekday."),
            "start": c.field("start"),
            "duration_minutes": _int(c.field("duration_minutes"), "duration_minutes",
                                     "Write the length in whole minutes, e.g. 60.")}


@console_page(perm=CLASSES_MANAGE, back="/admin/batches")
@_on_field("add_slot", "slot_added")
async def slot_add(request: Request, c: Console) -> None:
    """Add a weekly class time (admins); the coming week's classes are made at once."""
    await run(batches.add_slot, uow_of(request), c.actor, path_id(request), **_slot_fields(c),
              tz=get_deps(request).settings.timezone)


@console_page(perm=CLASSES_MANAGE, back="/admin/batches")
async def slot_edit(request: Request, c: Console) -> Response:
    """Change or remove a weekly class time (admins)."""
    slot_id = path_id(request, "slot_id")
    try:
        if c.field("remove"):
            await run(batches.remove_slot, uow_of(request), c.actor, path_id(request), slot_id)
            return see_other(f"/admin/batches/{path_id(request)}", m="slot_removed")
        await run(batches.edit_slot, uow_of(request), c.actor, path_id(request), slot_id, **_slot_fields(c),
                  tz=get_deps(request).settings.timezone)
    except InvalidField as exc:
        return await _detail_page(request, c, f"slot-{slot_id}", exc)
    return see_other(f"/admin/batches/{path_id(request)}", m="slot_saved")


@console_page(*STAFF, back="/admin/batches")
@_on_field("enrol", "enrolled")
async def student_enrol(request: Request, c: Console) -> None:
    """Enrol a student from a date (admins and the batch's teachers)."""
    today = schedule.local_today_at(get_deps(request).db.clock.now(), get_deps(request).settings.timezone)
    await run(rosters.enrol, uow_of(request), c.actor, path_id(request), parse_id(c.field("student_id")),
              _date(c.field("enrolled_on"), "enrolled_on", today))


@console_page(*STAFF, back="/admin/batches")
@_on_field("unenrol", "unenrolled")
async def student_unenrol(request: Request, c: Console) -> None:
    """Unenrol a student from a date; the enrolment and its attendance stay as history."""
    today = schedule.local_today_at(get_deps(request).db.clock.now(), get_deps(request).settings.timezone)
    await run(rosters.unenrol, uow_of(request), c.actor, path_id(request), parse_id(c.field("student_id")),
              _date(c.field("left_on"), "left_on", today))


@console_page(perm=PEOPLE_MANAGE, back="/admin/batches")
@_on_field("parent", "parent")
async def parent_link(request: Request, c: Console) -> None:
    """Link a parent to a student of this batch (admins)."""
    parent_id, child_id = parse_id(c.field("parent_id")), parse_id(c.field("student_id"))
    if parent_id is None:
        raise InvalidField("parent_id", "Choose a parent.")
    if child_id is None:
        raise InvalidField("student_id", "Choose a student.")
    try:
        await run(people.link_parent, uow_of(request), c.actor, parent_id, child_id)
    except InvalidField:
        raise
    except InvalidInput as exc:
        raise InvalidField("parent_id", exc.message) from None


@console_page(perm=CLASSES_MANAGE)
async def import_form(request: Request, c: Console) -> Response:
    """The roster CSV import form (admins), with the counts of an import just made."""
    q = request.query_params
    result = roster_import.RosterResult(*(parse_id(q.get(k)) or 0 for k in ("enrolled", "linked", "skipped"))) \
        if q.get("m") == "imported" else None
    return page(request, c, "admin/roster_import.html", {"preview": None, "csv_text": "", "error": None,
                                                         "result": result})


@console_page(perm=CLASSES_MANAGE, back="/admin/batches/import")
async def import_submit(request: Request, c: Console) -> Response:
    """Preview or apply a roster CSV import (enrolments and parent links)."""
    deps = get_deps(request)
    region, today = deps.settings.phone_region, schedule.local_today_at(deps.db.clock.now(), deps.settings.timezone)
    try:
        text = await _csv_text(c)
        if c.field("step") == "apply":
            result = await run(roster_import.apply, uow_of(request), c.actor, text, today, region)
            return see_other("/admin/batches/import", m="imported", enrolled=result.enrolled or "0",
                             linked=result.linked or "0", skipped=result.skipped or "0")
        preview = await run(roster_import.preview, uow_of(request, True), c.actor, text, today, region)
    except InvalidInput as exc:
        return page(request, c, "admin/roster_import.html", {"preview": None, "csv_text": "",
                                                             "error": exc.message}, 422)
    return page(request, c, "admin/roster_import.html", {"preview": preview, "csv_text": text, "error": None})


routes = [
    Route("/admin/batches", batches_list, methods=["GET"], name="admin_batches"),
    Route("/admin/batches", batch_create, methods=["POST"]),
    Route("/admin/batches/import", import_form, methods=["GET"]),
    Route("/admin/batches/import", import_submit, methods=["POST"]),
    Route("/admin/batches/{id}", batch_page, methods=["GET"]),
    Route("/admin/batches/{id}", batch_save, methods=["POST"]),
    Route("/admin/batches/{id}/deactivate", batch_deactivate, methods=["POST"]),
    Route("/admin/batches/{id}/slots", slot_add, methods=["POST"]),
    Route("/admin/batches/{id}/slots/{slot_id}", slot_edit, methods=["POST"]),
    Route("/admin/batches/{id}/enrol", student_enrol, methods=["POST"]),
    Route("/admin/batches/{id}/unenrol", student_unenrol, methods=["POST"]),
    Route("/admin/batches/{id}/parents", parent_link, methods=["POST"]),
]
