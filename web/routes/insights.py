"""Task insights in the console: counts, a trend and the groups, over a chosen period."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.ops import insights
from web.charts import group_chart, trend_chart
from web.console import STAFF, Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import optional_date, parse_id
from web.pages import zone

PERIODS = (7, 30, 90, 365)


def _period(params: Any, tz_name: str, now: datetime) -> tuple[datetime, datetime, int | None, str, str]:
    tz = zone(tz_name, "UTC")
    start_day, end_day = optional_date(params.get("from")), optional_date(params.get("to"))
    if start_day and end_day:
        start = datetime.combine(start_day, time(), tz).astimezone(UTC)
        end = datetime.combine(end_day + timedelta(days=1), time(), tz).astimezone(UTC)
        return start, end, None, start_day.isoformat(), end_day.isoformat()
    days = parse_id(params.get("days")) or 30
    days = days if days in PERIODS else 30
    start, end = insights.last_days(days, now, tz.key)  # the admin's brief counts the same week
    first, today = start.date(), (end - timedelta(days=1)).date()
    return start.astimezone(UTC), end.astimezone(UTC), days, first.isoformat(), today.isoformat()


@console_page(*STAFF)
async def insights_page(request: Request, c: Console) -> Response:
    """Task insights over a period."""
    deps = get_deps(request)
    tz_name = c.person.timezone or deps.settings.timezone
    start, end, days, first, last = _period(request.query_params, tz_name, deps.db.clock.now())
    data = await run(insights.insights, uow_of(request, True), c.actor, start, end, zone(tz_name, "UTC").key)
    return page(request, c, "admin/insights.html", {
        "data": data, "days": days, "periods": PERIODS, "first": first, "last": last,
        "trend": trend_chart(data.trend), "bars": group_chart(data.by_group),
        "refresh_ms": int(max(deps.poll_seconds * 10, 1) * 1000), "flash": None})


routes = [
    Route("/admin/insights", insights_page, methods=["GET"], name="admin_insights"),
]
