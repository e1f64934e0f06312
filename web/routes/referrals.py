"""Referrals in the console (referrals.manage: admins): the list by status, Invite (the person goes on the
allowlist and the invite link is shown), Decline and Reopen. Names and phones are masked without pii.full."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.errors import InvalidInput
from domain.models import ReferralStatus
from domain.perms.catalogue import REFERRALS_MANAGE
from domain.referrals import services as referrals
from web.console import Console, console_page, page, run, see_other, uow_of
from web.deps import get_deps
from web.forms import parse_choice, path_id

FLASH = {"declined": "Referral declined.", "reopened": "Referral reopened.",
         "unchanged": "Nothing changed: it was already like that."}


@console_page(perm=REFERRALS_MANAGE)
async def referrals_list(request: Request, c: Console) -> Response:
    """Referrals, newest first, filtered by status."""
    status = parse_choice(ReferralStatus, request.query_params.get("status"))
    rows = await run(referrals.list_referrals, uow_of(request), c.actor, status)
    return page(request, c, "admin/referrals.html", {
        "rows": rows, "status": status, "statuses": list(ReferralStatus),
        "flash": FLASH.get(request.query_params.get("m", ""))})


@console_page(perm=REFERRALS_MANAGE, back="/admin/referrals")
async def referral_invite(request: Request, c: Console) -> Response:
    """Invite the person referred: add them to the allowlist and show their invite link."""
    person_id = await run(referrals.invite, uow_of(request), c.actor, path_id(request), c.field("role") or "student",
                          get_deps(request).settings.phone_region)
    return see_other(f"/admin/people/{person_id}/invite")


@console_page(perm=REFERRALS_MANAGE, back="/admin/referrals")
async def referral_status(request: Request, c: Console) -> Response:
    """Decline a referral, or reopen a declined one."""
    status = parse_choice(ReferralStatus, c.field("status"))
    if status is None:
        raise InvalidInput("Choose declined or new.")
    changed = await run(referrals.set_status, uow_of(request), c.actor, path_id(request), status)
    done = ("declined" if status == ReferralStatus.DECLINED else "reopened") if changed else "unchanged"
    return see_other("/admin/referrals", m=done)


routes = [
    Route("/admin/referrals", referrals_list, methods=["GET"], name="admin_referrals"),
    Route("/admin/referrals/{id}/invite", referral_invite, methods=["POST"]),
    Route("/admin/referrals/{id}/status", referral_status, methods=["POST"]),
]
