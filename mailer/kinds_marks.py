"""Emails about tests and referrals: a child's mark to a parent, the thanks to a referrer (the chat's words)."""

from __future__ import annotations

from domain.marks import queries as marks
from domain.outbox import Delivery
from domain.words import day_text
from mailer.registry import Email, MailContext, body, renders


@renders("mark_result")
def mark_result(ctx: MailContext, d: Delivery) -> Email:
    """To a parent: their child's result in a test."""
    child, result = marks.result_of(ctx.db.uow(readonly=True), int(d.data["test_id"]), int(d.data["student_id"]))
    if result is None:
        text, markup = body([f"{child}'s result in a test was withdrawn."], [ctx.dashboard(d.recipient_id)])
        return Email(f"Test result: {child}", text, markup)
    got = "was absent from" if result.absent else f"scored {result.text} in"
    text, markup = body([f"{child} {got} {result.test}, {result.batch} ({day_text(result.held_on)}).",
                         "Send /marks to the bot in Telegram for all results."], [ctx.dashboard(d.recipient_id)])
    return Email(f"Test result: {child}, {result.test}", text, markup)


@renders("referral_thanks")
def referral_thanks(ctx: MailContext, d: Delivery) -> Email:
    """To a referrer: the person they referred has enrolled."""
    name = str(d.data.get("name") or "The person you referred")
    text, markup = body([f"Thank you! {name}, whom you referred, has joined us."])
    return Email("Thank you for your referral", text, markup)
