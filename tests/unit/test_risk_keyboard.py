"""A risk inbox item in Telegram has no Notify parent button: the parents' message is read first, on
the student's risk page; other items keep all three buttons."""

from __future__ import annotations

from bot.messages.inbox import action_keyboard


def labels(kind: str) -> list[str]:
    return [b.text for row in action_keyboard(7, kind).inline_keyboard for b in row]


def test_a_risk_item_offers_no_notify_parent_button():
    assert labels("student_risk") == ["Reviewed", "Ignore"]
    assert labels("low_attendance") == ["Reviewed", "Notify parent", "Ignore"]
