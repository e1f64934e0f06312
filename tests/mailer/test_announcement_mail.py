"""An announcement by email: the title as the subject ([Urgent] first when urgent), the text, who posted it
to whom, a parent told which child it is about, and a link to their page (a student's or parent's portal,
else the dashboard); HTML escaped."""

from __future__ import annotations

from domain.models import Role
from domain.outbox import Delivery


def test_an_announcement_by_email_names_the_sender_the_target_and_the_child(mail, make_person):
    parent = make_person(Role.PARENT, "Pat Parent")
    made = mail.ctx.render(Delivery(1, "announcement", parent.id, None, {
        "announcement_id": 3, "title": "No class on Friday", "text": "The lab is <closed>.", "urgent": True,
        "author": "Tina Teacher", "target": "Physics 10", "about": "Sam", "portal": True}, 1, "announcement", 3))
    assert made.subject == "[Urgent] No class on Friday"
    assert "The lab is <closed>." in made.text and "From Tina Teacher to Physics 10" in made.text
    assert "Sam's parent" in made.text and "Open your page: http" in made.text and "/p/" in made.text
    assert "&lt;closed&gt;" in made.html and "<closed>" not in made.html
    calm = mail.ctx.render(Delivery(2, "announcement", 8, None, {
        "title": "Trip", "text": "Bus at 8.", "urgent": False, "author": "Asha", "target": "All parents",
        "about": None}, 1, "announcement", 4))
    assert calm.subject == "Trip" and "parent)" not in calm.text and "/d/" in calm.text
