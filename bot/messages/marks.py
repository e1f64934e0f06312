"""Messages about tests and referrals: a child's mark to a parent, the thanks to a referrer."""

from __future__ import annotations

import html

from bot.messages import limits
from bot.messages.registry import Rendered, Renderer, renders
from domain.marks import queries as marks
from domain.outbox import Delivery, NotificationKind
from domain.words import day_text


def mark_words(child: str, result: marks.Result | None) -> str:
    """"Chidi Eze: 17/20 (85%) in Unit test 3, Year 10 Physics (Mon 2 Nov)." (plain text)."""
    if result is None:
        return f"{child}'s result in a test was withdrawn."
    got = "was absent from" if result.absent else f"scored {result.text} in"
    return (f"{child} {got} {limits.clip(result.test, 80)}, {limits.clip(result.batch, 60)} "
            f"({day_text(result.held_on)}).")


@renders(NotificationKind.MARK_RESULT)
def mark_result(r: Renderer, d: Delivery) -> Rendered:
    child, result = marks.result_of(r.db.uow(readonly=True), int(d.data["test_id"]), int(d.data["student_id"]))
    return Rendered(f"📝 {html.escape(mark_words(child, result))} Send /marks for all results.")


@renders(NotificationKind.REFERRAL_THANKS)
def referral_thanks(r: Renderer, d: Delivery) -> Rendered:
    name = limits.clip(str(d.data.get("name") or "The person you referred"), 120)
    return Rendered(f"🎉 Thank you! {html.escape(name)}, whom you referred, has joined us.")
