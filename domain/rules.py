"""Rule configuration: organisation-wide defaults, overridable per scope (e.g. a batch)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from domain.models import RuleConfig
from domain.uow import UnitOfWork

DEFAULT_RULES: dict[str, Any] = {
    "reminders.lead_minutes": 60,
    "reminders.overdue_every_hours": 3,
    "reminders.escalate_after_hours": 24,
    "quiet_hours.start": "21:00",
    "quiet_hours.end": "07:00",
    "brief.time": "07:30",
    "brief.window_hours": 3,  # a brief goes between brief.time and this many hours later, or not that day
    "attendance.grace_minutes": 10,
    "attendance.open_before_minutes": 15,
    "attendance.default_mark": "present",
    "attendance.absence_streak": 3,
    "attendance.low_threshold_percent": 75,
    "attendance.low_min_sessions": 4,
    "attendance.late_counts_present": True,
    "attendance.nag_after_minutes": 20,
    "attendance.sheet_link_minutes_after_end": 10,
    "attendance.date_window_days": 7,
    "links.action_minutes": 30,
    "desk.untriaged_hours": 4,  # a ticket still new this long reminds the team's leads
    "desk.in_progress_hours": 72,  # a ticket being worked this long reminds its assignees
    "email.per_minute": 60,
    "marks.notify_parents": False,  # parents are told their child's mark when it is entered
    "homework.remind_before_hours": 18,  # students with nothing handed in are reminded this long before the due time
    "delivery.paid_broadcast": False,  # announcements sent as Telegram paid broadcasts (up to 1000/s, Stars)
    "engagement.auc_margin_points": 3,  # the learned engagement model is shown only when its held-out AUC beats the baseline's by this many hundredths
    "fees.currency": "INR",  # domain/fees/money.py: the symbol, grouping and minor units shown
    "fees.payment_link": "",  # a link on every due (a plan may set its own); {ref} and {amount} filled in
    "fees.remind_days_before": 3,  # parents are reminded this many days before a due date (0: not before)
    "fees.overdue_first_days": 1,  # then after the due date, in up to three stages (0: that stage is off)
    "fees.overdue_second_days": 7,
    "fees.overdue_final_days": 21,
    "sla.at_risk_share": 25,  # percent: an item with less than this share of its SLA target left is at risk  # emails sent per minute at most (the mail provider's limit; mailer/ paces)
}


def ensure_defaults(uow: UnitOfWork) -> list[str]:
    """Create the global rules that are missing; returns the keys created."""
    with uow:
        have = set(uow.session.scalars(select(RuleConfig.key).where(RuleConfig.scope == "global")))
        missing = [k for k in DEFAULT_RULES if k not in have]
        uow.session.add_all(
            RuleConfig(scope="global", key=k, value={"value": DEFAULT_RULES[k]}, updated_at=uow.now)
            for k in missing
        )
        uow.commit()
        return missing


def rule_in(session: Session, key: str, scope: str | None = None) -> Any:
    """The value for `key` in `scope`, else the global one, else the built-in default."""
    scopes = [s for s in (scope, "global") if s]
    rows = {r.scope: r.value.get("value") for r in session.scalars(
        select(RuleConfig).where(RuleConfig.key == key, RuleConfig.scope.in_(scopes)))}
    for s in scopes:
        if s in rows:
            return rows[s]
    return DEFAULT_RULES.get(key)


def get_rule(uow: UnitOfWork, key: str, scope: str | None = None) -> Any:
    """The value for `key` in `scope` (see rule_in), in its own unit of work."""
    with uow:
        return rule_in(uow.session, key, scope)
