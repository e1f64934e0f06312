"""Tests and marks in the console (admins, and teachers for their batches): the tests and a new-test
form, a test's page (average, highest, distribution chart, the marks sheet, its details), and the marks
CSV import (preview, then apply). A refusal about one field is shown beside it; nothing is saved then."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.attendance import schedule
from domain.errors import InvalidField, InvalidInput
from domain.marks import class_tests, csv_import, queries, sheet
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.deps import get_deps
from web.forms import bounded, parse_id, parse_ids, path_id
from web.marks_chart import distribution_chart
from web.routes.people import _csv_text

FLASH = {"created": "Test created: enter the marks below.", "edited": "Test saved.",
         "unchanged": "Nothing changed: the sheet was already like that."}
FIELDS = ("batch_id", "name", "held_on", "max_marks")


def _today(request: Request) -> Any:
    deps = get_deps(request)
    return schedule.local_today_at(deps.db.clock.now(), deps.settings.timezone)


async def _list_page(request: Request, c: Console, errors: dict[str, str] | None = None,
                     values: dict[str, str] | None = None) -> Response:
    rows = await run(class_tests.list_tests, uow_of(request, True), c.actor)
    choices = await run(class_tests.batch_choices, uow_of(request, True), c.actor)
    return page(request, c, "admin/marks.html", {
        "rows": rows, "batches": choices, "errors": errors or {}, "flash": FLASH.get(request.query_params.get("m", "")),
        "values": values or {"held_on": _today(request).isoformat(), "max_marks": "100"}}, 422 if errors else 200)


@console_page(*STAFF)
async def marks_list(request: Request, c: Console) -> Response:
    """The tests of the batches the viewer may mark, with the new-test form."""
    return await _list_page(request, c)


@console_page(*STAFF, back="/admin/marks")
async def test_create(request: Request, c: Console) -> Response:
    """Create a test for a batch, then open its marks sheet."""
    values = {k: bounded(c.field(k), 200) for k in FIELDS}
    try:
        test_id = await run(class_tests.create_test, uow_of(request), c.actor, parse_id(values["batch_id"]),
                            values["name"], values["held_on"], values["max_marks"])
    except InvalidField as exc:
        return await _list_page(request, c, {exc.field: exc.message}, values)
    return see_other(f"/admin/marks/{test_id}", m="created")


def _flash(request: Request) -> str | None:
    q = request.query_params
    if q.get("m") == "saved":
        changed, told = parse_id(q.get("changed")) or 0, parse_id(q.get("told")) or 0
        said = f"Saved: {changed} {'mark' if changed == 1 else 'marks'} changed."
        return said + (f" {told} {'parent' if told == 1 else 'parents'} told." if told else "")
    return FLASH.get(q.get("m", ""))


async def _test_page(request: Request, c: Console, form: str = "", errors: dict[str, str] | None = None,
                     typed: dict[int, tuple[str, bool]] | None = None, values: dict[str, str] | None = None,
                     message: str | None = None) -> Response:
    test_id = path_id(request)
    figures = await run(queries.summary, uow_of(request, True), c.actor, test_id)
    lines = await run(sheet.sheet, uow_of(request, True), c.actor, test_id)
    return page(request, c, "admin/marks_test.html", {
        "s": figures, "t": figures.test, "lines": lines.lines, "chart": distribution_chart(figures.buckets),
        "flash": _flash(request), "form": form, "errors": errors or {}, "typed": typed or {},
        "values": values or {}, "message": message}, 422 if errors else 200)


@console_page(*STAFF, back="/admin/marks")
async def test_page(request: Request, c: Console) -> Response:
    """A test's page: its figures and distribution, the marks sheet, its details."""
    return await _test_page(request, c)


@console_page(*STAFF, back="/admin/marks")
async def sheet_save(request: Request, c: Console) -> Response:
    """Save the marks sheet: every entry is checked; any mistake is shown beside its field, nothing saved."""
    test_id = path_id(request)
    typed = {i: (bounded(c.field(f"m_{i}"), 40), c.field(f"ab_{i}") == "on")
             for i in parse_ids(c.fields("student_ids"))}
    try:
        saved = await run(sheet.save_sheet, uow_of(request), c.actor, test_id, typed)
    except sheet.SheetErrors as exc:
        return await _test_page(request, c, "sheet", {f"m_{i}": m for i, m in exc.errors.items()}, typed,
                                message=exc.message)
    if not saved.changed:
        return see_other(f"/admin/marks/{test_id}", m="unchanged")
    return see_other(f"/admin/marks/{test_id}", m="saved", changed=saved.changed, told=saved.parents_told)


@console_page(*STAFF, back="/admin/marks")
async def test_edit(request: Request, c: Console) -> Response:
    """Change a test's name, date or maximum marks."""
    values = {k: bounded(c.field(k), 200) for k in FIELDS}
    try:
        await run(class_tests.update_test, uow_of(request), c.actor, path_id(request), values["name"],
                  values["held_on"], values["max_marks"])
    except InvalidField as exc:
        return await _test_page(request, c, "edit", {exc.field: exc.message}, values=values)
    return see_other(f"/admin/marks/{path_id(request)}", m="edited")


@console_page(*STAFF, back="/admin/marks")
async def import_form(request: Request, c: Console) -> Response:
    """The marks CSV import form for one test."""
    row = await run(class_tests.row_of, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/marks_import.html", {"t": row, "preview": None, "csv_text": "", "error": None})


@console_page(*STAFF, back="/admin/marks")
async def import_submit(request: Request, c: Console) -> Response:
    """Preview or apply a marks CSV import for one test."""
    test_id, region = path_id(request), get_deps(request).settings.phone_region
    row = await run(class_tests.row_of, uow_of(request, True), c.actor, test_id)
    try:
        text = await _csv_text(c)
        if c.field("step") == "apply":
            saved = await run(csv_import.apply, uow_of(request), c.actor, test_id, text, region)
            return see_other(f"/admin/marks/{test_id}", m="saved", changed=saved.changed,
                             told=saved.parents_told)
        preview = await run(csv_import.preview, uow_of(request, True), c.actor, test_id, text, region)
    except InvalidInput as exc:
        return page(request, c, "admin/marks_import.html", {"t": row, "preview": None, "csv_text": "",
                                                            "error": exc.message}, 422)
    return page(request, c, "admin/marks_import.html", {"t": row, "preview": preview, "csv_text": text,
                                                        "error": None})


routes = [
    Route("/admin/marks", marks_list, methods=["GET"], name="admin_marks"),
    Route("/admin/marks", test_create, methods=["POST"]),
    Route("/admin/marks/{id}", test_page, methods=["GET"]),
    Route("/admin/marks/{id}", test_edit, methods=["POST"]),
    Route("/admin/marks/{id}/sheet", sheet_save, methods=["POST"]),
    Route("/admin/marks/{id}/import", import_form, methods=["GET"]),
    Route("/admin/marks/{id}/import", import_submit, methods=["POST"]),
]
