"""Prometheus metrics for the web process: HTTP requests by route and status, and what the
database says about the outbox and the scheduler (read at scrape time, so every process agrees)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from starlette.routing import Match
from starlette.types import ASGIApp, Receive, Scope, Send

from domain.models import Notification, NotificationStatus, SchedulerLease
from domain.queue import services as queue_services
from domain.uow import Database


class DatabaseCollector(Collector):
    def __init__(self, db: Database) -> None:
        self.db = db

    def collect(self) -> Iterator[Any]:
        now = self.db.clock.now()
        with self.db.uow(readonly=True) as uow:
            counts = dict(uow.session.execute(select(Notification.status, func.count())
                                              .group_by(Notification.status)).all())
            oldest = uow.session.scalar(select(func.min(Notification.created_at)).where(
                Notification.status.in_([NotificationStatus.PENDING, NotificationStatus.SENDING])))
            lease = uow.session.get(SchedulerLease, "main")
        notes = GaugeMetricFamily("taskbell_notifications", "Outbox rows by status", labels=["status"])
        for status in NotificationStatus:
            notes.add_metric([status.value], counts.get(status, 0))
        yield notes
        age = 0.0
        if oldest is not None:
            oldest = oldest if oldest.tzinfo else oldest.replace(tzinfo=UTC)
            age = max(0.0, (now - oldest).total_seconds())
        yield GaugeMetricFamily("taskbell_outbox_oldest_unsent_seconds", "Age of the oldest unsent notification",
                                value=age)
        runs = CounterMetricFamily("taskbell_job_last_run_ok", "Whether each job's last run succeeded (1/0)",
                                   labels=["job"])
        beat = GaugeMetricFamily("taskbell_scheduler_heartbeat_age_seconds", "Seconds since the leader's heartbeat")
        if lease is not None:
            hb = lease.heartbeat_at if lease.heartbeat_at.tzinfo else lease.heartbeat_at.replace(tzinfo=UTC)
            beat.add_metric([], max(0.0, (now - hb).total_seconds()))
            for job, run in (lease.jobs or {}).get("runs", {}).items():
                runs.add_metric([job], 1.0 if run.get("ok") else 0.0)
        yield beat
        yield runs
        yield from _queue_gauges(self.db)


def _queue_gauges(db: Database) -> Iterator[Any]:
    """The queue's main gauges: open items by type and priority, breached, at risk, due within 4 hours."""
    s = queue_services.gauges(db.uow(readonly=True))
    items = GaugeMetricFamily("taskbell_queue_open_items", "Open tickets and tasks", labels=["type"])
    items.add_metric(["ticket"], s.tickets)
    items.add_metric(["task"], s.tasks)
    yield items
    by_priority = GaugeMetricFamily("taskbell_queue_open_by_priority", "Open items by priority", labels=["priority"])
    for name, n in s.by_priority.items():
        by_priority.add_metric([name], n)
    yield by_priority
    yield GaugeMetricFamily("taskbell_queue_breached", "Open items past their deadline (SLA or due time)",
                            value=s.overdue)
    yield GaugeMetricFamily("taskbell_queue_at_risk", "Open tickets past their SLA risk moment, not yet breached",
                            value=s.at_risk)
    yield GaugeMetricFamily("taskbell_queue_due_soon", "Open items due within four hours", value=s.due_soon)


class Metrics:
    def __init__(self, db: Database) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("taskbell_http_requests", "HTTP requests", ["route", "method", "status"],
                                registry=self.registry)
        self.latency = Histogram("taskbell_http_request_seconds", "HTTP request latency", ["route"],
                                 registry=self.registry)
        self.updates = Counter("taskbell_telegram_updates", "Telegram updates handled through the webhook",
                               ["result"], registry=self.registry)
        self.registry.register(DatabaseCollector(db))


class MetricsMiddleware:
    """Counts requests by route template (never the raw path: links carry tokens)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        route = "unmatched"
        for r in scope["app"].routes if "app" in scope else []:
            match, _ = r.matches(scope)
            if match == Match.FULL:
                route = getattr(r, "path", "mount")
                break
        status = [500]

        async def send_wrapper(message: Any) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)

        start = time.perf_counter()
        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            self.metrics.latency.labels(route).observe(time.perf_counter() - start)
            self.metrics.requests.labels(route, scope.get("method", ""), str(status[0])).inc()
