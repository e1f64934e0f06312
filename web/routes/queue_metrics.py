"""Metrics in the console (/admin/metrics): admins and team leads; a period (today, week, month, custom),
counts, SLA, response and resolution times, workload and a trend drawn as server-side SVG."""

from __future__ import annotations

from datetime import date

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from domain.ops.insights import DayPoint
from domain.queue import metrics as queue_metrics
from web.charts import trend_chart
from web.console import Console, console_page, page, run, uow_of
from web.deps import get_deps
from web.forms import optional_date
from web.pages import zone
from web.routes.queue import ROLES


def period_of(params: dict[str, str], tz: str, now) -> tuple[str, object, object, date | None, date | None]:  # type: ignore[no-untyped-def]
    """The period asked for (month unless said), its bounds and the custom days."""
    period = params.get("period") or "month"
    first, last = optional_date(params.get("from")), optional_date(params.get("to"))
    if period not in queue_metrics.PERIODS or (period == "custom" and not (first and last)):
        period = "month"
    start, end = queue_metrics.period_bounds(period, now, tz, first, last)
    return period, start, end, first, last


@console_page(*ROLES)
async def metrics_page(request: Request, c: Console) -> Response:
    """Metrics over a period."""
    deps = get_deps(request)
    tz = zone(c.person.timezone or deps.settings.timezone, "UTC").key
    period, start, end, first, last = period_of(dict(request.query_params), tz, deps.db.clock.now())
    m = await run(queue_metrics.metrics, uow_of(request, True), c.actor, start, end, tz)
    trend = trend_chart([DayPoint(d.day, d.created, d.resolved) for d in m.trend])
    return page(request, c, "admin/metrics.html", {
        "m": m, "period": period, "periods": queue_metrics.PERIODS, "trend": trend,
        "first": first.isoformat() if first else m.trend[0].day.isoformat(),
        "last": last.isoformat() if last else m.trend[-1].day.isoformat()})


routes = [Route("/admin/metrics", metrics_page, methods=["GET"], name="metrics_page")]
