"""The demo's announcements and portal: Meera tells Year 9 Biology (its students and their parents) about a
field trip, Asha tells all parents about the parents' evening; students and parents open /portal."""

from __future__ import annotations

from sqlalchemy import select

from domain.actors import Actor
from domain.announcements import services as announcements
from domain.models import Batch
from domain.uow import Database

# Appended to the chat page's hints (taskbell.demo.HINTS) for these demo people.
PORTAL_HINTS = {
    "meera": " /announce posts to your batches (Year 9 Biology had one).",
    "admin": " /announce (or the console's Announcements) reaches any batch, group, team or role.",
    "s1": " /portal: your page (attendance, announcements).",
    "p1": " /portal: Aarav's page (attendance, announcements).",
    "p2": " /portal: Bea's page.",
}


def seed_announcements(db: Database, ids: dict[str, int]) -> str:
    """One announcement to a batch and one to every parent, sent now (they arrive when the demo starts)."""
    with db.uow(readonly=True) as uow:
        biology = uow.session.scalar(select(Batch.id).where(Batch.name == "Year 9 Biology"))
    told = 0
    if biology is not None:
        told += announcements.post(
            db.uow(), Actor.telegram(ids["meera"]), f"batch:{biology}", "Field trip to the botanic garden on Friday",
            "We leave at 9:00 from the main gate and are back by 15:00. Bring a packed lunch, a notebook and "
            "shoes for walking. Parents: nothing to sign, the trip is part of the course.").recipients
    told += announcements.post(
        db.uow(), Actor.web(ids["admin"], "127.0.0.1"), "role:parent", "Parents' evening next Thursday",
        "Teachers are in the hall from 17:30 to 20:00; no appointment needed. Send /portal to the bot to see "
        "your child's attendance before you come.").recipients
    return f"2 announcements ({told} people told)"
