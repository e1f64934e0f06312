"""Raising an alert inside the caller's transaction: one per item per type per rule window (a unique key
in the database decides), a copy per recipient, and one outbox intent per subscribed recipient."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from domain.alerts.rules import Rule, recipients_of, rule_of, subscriptions_in
from domain.models import Alert, AlertRecipient
from domain.outbox import Intent, NotificationKind, enqueue

CHANNELS_OF = {"telegram": ("telegram",), "email": ("email",), "both": ("telegram", "email")}


def window_key(rule: Rule, now: datetime) -> str:
    """Which window of the rule `now` falls in ("0" when the rule allows one alert per item, ever)."""
    if rule.window_minutes <= 0:
        return "0"
    return str(int(now.timestamp()) // (rule.window_minutes * 60))


def _insert_once(session: Session, values: dict[str, object]) -> int | None:
    """Insert the alert unless its key exists; its id, or None when it was raised before."""
    dialect = session.get_bind().dialect.name
    stmt = (postgresql.insert(Alert) if dialect == "postgresql" else sqlite.insert(Alert) if dialect == "sqlite"
            else insert(Alert))
    if dialect in ("postgresql", "sqlite"):
        stmt = stmt.on_conflict_do_nothing(index_elements=["dedupe_key"])  # type: ignore[attr-defined]
    return session.scalar(stmt.values(**values).returning(Alert.id))


def raise_alert(session: Session, alert_type: str, title: str, text: str, now: datetime, *,
                item_kind: str | None = None, item_id: int | None = None, key: str = "",
                people: Iterable[int] = (), rule: Rule | None = None, created_by: int | None = None) -> int | None:
    """Raise one alert (skipped when the rule is off, or already raised for this item in this window);
    returns its id. Recipients: the rule's, plus `people`; those unsubscribed from the type are left out."""
    rule = rule or rule_of(session, alert_type)
    if not rule.enabled:
        return None
    recipients = recipients_of(session, replace(rule, people=(*rule.people, *people)))  # active people only
    subs = subscriptions_in(session, recipients, alert_type)
    recipients = [p for p in recipients if p not in subs or subs[p].enabled]
    dedupe = f"{alert_type}:{item_kind or '-'}:{item_id or '-'}:{key}:{window_key(rule, now)}"[:160]
    alert_id = _insert_once(session, {
        "type": alert_type, "severity": rule.severity, "title": title[:200], "text": text, "item_kind": item_kind,
        "item_id": item_id, "dedupe_key": dedupe, "created_by_id": created_by, "created_at": now})
    if alert_id is None:
        return None
    if recipients:
        session.execute(insert(AlertRecipient), [
            {"alert_id": alert_id, "person_id": p, "created_at": now} for p in recipients])
        data = {"alert_id": alert_id, "type": alert_type, "severity": rule.severity, "title": title[:200],
                "text": text[:1500], "item_kind": item_kind, "item_id": item_id}
        enqueue(session, [Intent(NotificationKind.ALERT, p, f"alert:{alert_id}:{p}", data, "alert", alert_id,
                                 CHANNELS_OF.get(subs[p].channel) if p in subs else None) for p in recipients], now)
    return alert_id
