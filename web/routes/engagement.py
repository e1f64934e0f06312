"""The engagement page (/admin/engagement): the model card against its baseline, people ranked by risk with
reasons, engagement profiles and insights. It reads what the last (background) training wrote."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.engagement import queries
from web.console import STAFF, Console, console_page, page, run, uow_of


@console_page(*STAFF)
async def engagement_page(request: Request, c: Console) -> Response:
    """Engagement risk: card, people, profiles, insights (needs engagement.read)."""
    everyone = request.query_params.get("all") == "1"
    limit = queries.SHOWN_ALL if everyone else queries.SHOWN
    data = await run(queries.engagement, uow_of(request, True), c.actor, limit)
    return page(request, c, "admin/engagement.html", {"e": data, "at_risk_line": queries.AT_RISK,
                                                      "everyone": everyone})


routes = [Route("/admin/engagement", engagement_page, methods=["GET"], name="admin_engagement")]
