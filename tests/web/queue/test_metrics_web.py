"""Metrics over HTTP: the console page with its SVG trend, GET /api/metrics and the /metrics gauges."""

from __future__ import annotations

from tests.auxil.console import sign_in
from tests.auxil.web import api_token, client, make_deps
from tests.domain.queue.conftest import world  # noqa: F401  (the fixture)
from tests.domain.queue.test_metrics import built  # noqa: F401  (the fixture)


async def test_metrics_page_api_and_gauges(built):  # noqa: F811
    async with client(make_deps(built.db)) as http:
        headers = api_token(built.db, built.admin.id)
        r = await http.get("/api/metrics", params={"period": "month"}, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["total"] == 6 and body["breached"] == 2 and body["at_risk"] == 1
        assert body["first_response"] == {"count": 3, "median": 3600, "p90": 7200}
        assert body["resolution_compliance"] == 0.5 and len(body["trend"]) == 30
        today = await http.get("/api/metrics", params={"period": "today"}, headers=headers)
        assert today.json()["total"] == 3
        custom = await http.get("/api/metrics", params={"period": "custom", "from": "2026-10-31", "to": "2026-11-01"},
                                headers=headers)
        assert custom.json()["total"] == 3
        assert (await http.get("/api/metrics", params={"period": "year"}, headers=headers)).status_code == 400
        assert (await http.get("/api/metrics", params={"period": "custom"}, headers=headers)).status_code == 422
        assert (await http.get("/api/metrics", headers=api_token(built.db, built.carl.id))).status_code == 403
        assert "/metrics" in (await http.get("/api/openapi.json")).json()["paths"]

        gauges = (await http.get("/metrics")).text
        assert 'taskbell_queue_open_items{type="ticket"} 3.0' in gauges
        assert 'taskbell_queue_open_items{type="task"} 1.0' in gauges
        assert "taskbell_queue_breached 1.0" in gauges and "taskbell_queue_at_risk 1.0" in gauges

        await sign_in(http, built.db, built.admin)
        page = await http.get("/admin/metrics", params={"period": "week"})
        assert page.status_code == 200
        assert 'id="trend-chart"' in page.text and '<span class="num" id="m-breached">2</span>' in page.text
        assert "Facilities" in page.text and "Carl Crew" in page.text
