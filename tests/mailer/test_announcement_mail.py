"""An announcement by email: the title as the subject ([Urgent] first when urgent), the text, who posted it
to whom, a parent told which child it is about, and the dashboard link; HTML escaped."""

from __future__ import annotations

from domain.outbox import Delivery


def test_an_announcement_by_email_names_the_sender_the_target_and_the_child(mail):
    made = mail.ctx.render(Delivery(1, "announcement", 7, None, {
        "announcement_id": 3, "title": "No class on Friday", "text": "The lab is <closed>.", "urgent": True,
        "author": "Tina Teacher", "target": "Physics 10", "about": "Sam"}, 1, "announcement", 3))
    assert made.subject == "[Urgent] No class on Friday"
    assert "The lab is <closed>." in made.text and "From Tina Teacher to Physics 10" in made.text
    assert "Sam's parent" in made.text and "/d/" in made.text
    assert "&lt;closed&gt;" in made.html and "<closed>" not in made.html
    calm = mail.ctx.render(Delivery(2, "announcement", 8, None, {
        "title": "Trip", "text": "Bus at 8.", "urgent": False, "author": "Asha", "target": "All parents",
        "about": None}, 1, "announcement", 4))
    assert calm.subject == "Trip" and "parent)" not in calm.text
