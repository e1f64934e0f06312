"""The console's Fees: plans per batch (create, edit), one-off fees, "Issue dues now", the dues list
(overdue / open / paid / unpaid, per batch) and its CSV, a student's balance page with the record-payment
form (partial payments, refunds), and the payments CSV. The services check fees.manage."""

from __future__ import annotations

import re
from urllib.parse import urlencode

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.fees import accounts, export, issue, payments, plans, queries, summary
from domain.fees.plans import JOIN_WORDS
from web.console import STAFF, Console, console_page, page, run, see_other, uow_of
from web.deps import get_deps
from web.forms import iso_date, optional_date, page_number, parse_id, path_id
from web.pages import NO_STORE, zone

PAGE_SIZE = 100
FLASH = {"plan": "Fee plan saved.", "one_off": "One-off fee added.", "paid": "Payment recorded; the parents get a "
         "receipt in Telegram.", "refund": "Refund recorded; the parents are told.", "issued": "Dues issued."}


def _filter(params: object) -> queries.DueFilter:
    get = params.get  # type: ignore[attr-defined]
    status = get("status") if get("status") in queries.FILTERS else None
    return queries.DueFilter(status=status, batch_id=parse_id(get("batch_id")))


def _number(raw: str, name: str, low: int, high: int) -> int:
    """A whole number typed into a form, or a refusal naming the field."""
    text = raw.strip()
    if not re.fullmatch(r"[0-9]{1,9}", text) or not low <= int(text) <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}.")
    return int(text)


def _today(request: Request, c: Console):  # type: ignore[no-untyped-def]
    deps = get_deps(request)
    return deps.db.clock.now().astimezone(zone(c.person.timezone, deps.settings.timezone)).date()


@console_page(*STAFF)
async def fees_page(request: Request, c: Console) -> Response:
    """Totals, plans, the one-off form and the filtered dues."""
    q = _filter(request.query_params)
    page_no = page_number(request.query_params.get("page"))
    dues = await run(queries.list_dues, uow_of(request, True), c.actor, q, PAGE_SIZE, (page_no - 1) * PAGE_SIZE)
    qs = urlencode({k: v for k, v in {"status": q.status, "batch_id": q.batch_id}.items() if v})
    m = request.query_params.get("m", "")
    flash = f"{request.query_params.get('n', '0')} dues issued." if m == "issued" else FLASH.get(m)
    return page(request, c, "admin/fees.html", {
        "totals": await run(summary.fee_card, uow_of(request, True), c.actor),
        "plans": await run(plans.list_plans, uow_of(request, True), c.actor),
        "batches": await run(plans.batch_options, uow_of(request, True), c.actor), "dues": dues, "q": q,
        "filters": queries.FILTERS, "qs": qs, "page_no": page_no, "pages": max(1, -(-dues.total // PAGE_SIZE)),
        "joins": JOIN_WORDS, "today": _today(request, c), "flash": flash})


def _plan_form(c: Console) -> plans.PlanForm:
    return plans.PlanForm(_number(c.field("batch_id"), "The batch", 1, 10**9), c.field("name")[:200],
                          c.field("amount")[:40], _number(c.field("due_day"), "The due day", 1, 28),
                          c.field("join_rule", "full")[:20], optional_date(c.field("starts_on")),
                          c.field("payment_link")[:600], c.field("active", "1") == "1")


@console_page(*STAFF, back="/admin/fees")
async def plan_create(request: Request, c: Console) -> Response:
    """A new plan."""
    await run(plans.save_plan, uow_of(request), c.actor, _plan_form(c))
    return see_other("/admin/fees", m="plan")


@console_page(*STAFF)
async def plan_edit(request: Request, c: Console) -> Response:
    """A plan's edit form."""
    plan = await run(plans.get_plan, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/fee_plan.html", {
        "plan": plan, "batches": await run(plans.batch_options, uow_of(request, True), c.actor), "joins": JOIN_WORDS})


@console_page(*STAFF, back="/admin/fees")
async def plan_save(request: Request, c: Console) -> Response:
    """Save a plan's changes (dues already issued keep their amounts)."""
    await run(plans.save_plan, uow_of(request), c.actor, _plan_form(c), path_id(request))
    return see_other("/admin/fees", m="plan")


@console_page(*STAFF, back="/admin/fees")
async def one_off(request: Request, c: Console) -> Response:
    """A one-off fee to a batch or one student; back where it was added from."""
    student = parse_id(c.field("student_id"))
    batch = parse_id(c.field("batch_id"))
    if student is None and batch is None:
        raise InvalidInput("Choose a batch (or add it from a student's page).")
    await run(plans.add_one_off, uow_of(request), c.actor, c.field("label")[:300], c.field("amount")[:40],
              iso_date(c.field("due_on"), _today(request, c)), [student] if student else [], batch,
              c.field("payment_link")[:600])
    where = f"/admin/fees/students/{student}" if student else "/admin/fees"
    return see_other(where, m="one_off")


@console_page(*STAFF, back="/admin/fees")
async def issue_dues(request: Request, c: Console) -> Response:
    """Issue this month's dues now (what the nightly job does; nothing is issued twice)."""
    made = await run(issue.issue_now, uow_of(request), c.actor)
    return see_other("/admin/fees", m="issued", n=str(made))


@console_page(*STAFF)
async def student_page(request: Request, c: Console) -> Response:
    """A student's dues, payments, balance and family balance, with the record-payment form."""
    account = await run(accounts.student_account, uow_of(request, True), c.actor, path_id(request))
    return page(request, c, "admin/fee_student.html", {
        "a": account, "methods": payments.METHODS, "today": _today(request, c),
        "flash": FLASH.get(request.query_params.get("m", ""))})


@console_page(*STAFF, back="/admin/fees")
async def record(request: Request, c: Console) -> Response:
    """Record a payment (or a refund) against one due; back to the student's page."""
    refund = c.field("kind") == "refund"
    done = await run(payments.record_payment, uow_of(request), c.actor, _number(c.field("due_id"), "The due", 1, 10**9),
                     c.field("amount")[:40], iso_date(c.field("paid_on"), _today(request, c)),
                     c.field("method")[:20], c.field("reference")[:200], refund=refund)
    return RedirectResponse(f"/admin/fees/students/{done.student_id}?m={'refund' if refund else 'paid'}", 303)


def _csv(text: str, name: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8", headers={
        **NO_STORE, "content-disposition": f'attachment; filename="{name}"'})


@console_page(*STAFF)
async def dues_csv(request: Request, c: Console) -> Response:
    """The dues (with the page's filters) as CSV."""
    return _csv(await run(export.dues_csv, uow_of(request, True), c.actor, _filter(request.query_params)),
                "taskbell-dues.csv")


@console_page(*STAFF)
async def payments_csv(request: Request, c: Console) -> Response:
    """Every payment and refund as CSV."""
    return _csv(await run(export.payments_csv, uow_of(request, True), c.actor), "taskbell-payments.csv")


routes = [
    Route("/admin/fees", fees_page, methods=["GET"], name="admin_fees"),
    Route("/admin/fees/plans", plan_create, methods=["POST"]),
    Route("/admin/fees/plans/{id}", plan_edit, methods=["GET"]),
    Route("/admin/fees/plans/{id}", plan_save, methods=["POST"]),
    Route("/admin/fees/one-off", one_off, methods=["POST"]),
    Route("/admin/fees/issue", issue_dues, methods=["POST"]),
    Route("/admin/fees/students/{id}", student_page, methods=["GET"]),
    Route("/admin/fees/payments", record, methods=["POST"]),
    Route("/admin/fees/dues.csv", dues_csv, methods=["GET"]),
    Route("/admin/fees/payments.csv", payments_csv, methods=["GET"]),
]
