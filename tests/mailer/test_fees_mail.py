"""Fee emails: the receipt and the reminder say what the chat says, the reminder with its Pay now link."""

from __future__ import annotations

from domain.outbox import Delivery


def test_a_receipt_and_a_reminder_by_email(mail):
    receipt = mail.ctx.render(Delivery(1, "fee_receipt", 7, None, {
        "payment_id": 9, "due_id": 4, "child": "Emre Kaya", "label": "Tuition · Year 11 Maths · December 2026",
        "amount": "₹1,000", "refund": False, "paid_on": "Mon 7 Dec", "method": "upi", "reference": "UPI-1",
        "ref": "FEE-4", "left": "₹800", "settled": False}, 1, "fee_due", 4))
    assert receipt.subject == "Receipt: ₹1,000 for Emre Kaya"
    assert "₹1,000 received for Emre Kaya" in receipt.text and "Still to pay: ₹800." in receipt.text
    reminder = mail.ctx.render(Delivery(2, "fee_reminder", 7, None, {
        "due_id": 4, "stage": 4, "child": "Emre Kaya", "label": "Exam fee", "left": "₹500", "amount": "₹500",
        "due_on": "Fri 4 Dec", "days_overdue": 22, "ref": "FEE-4", "link": "https://pay.example.org/?ref=FEE-4"},
        1, "fee_due", 4))
    assert reminder.subject == "Final fee reminder: Emre Kaya, ₹500"
    assert "was due on Fri 4 Dec (22 days overdue)" in reminder.text
    assert "Pay now: https://pay.example.org/?ref=FEE-4" in reminder.text and 'href="https://pay.example.org' in reminder.html
