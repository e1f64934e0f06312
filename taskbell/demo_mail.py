"""The demo's email: Emre's father has an address and no Telegram (his absence messages go by email),
and Meera chose Telegram and email for her tasks, reminders and briefs. In sandbox mode they arrive at
the sandbox's SMTP server: the chat page's Mailbox tab."""

from __future__ import annotations

from domain.actors import Actor
from domain.mail import channels
from domain.models import Role
from domain.people import services as people
from domain.uow import Database

EMAIL_ONLY = ("Deniz Kaya", "+447700900208", "deniz.kaya@example.org")  # Emre Kaya's father
BOTH = ("meera", "meera.shah@example.org", ("tasks", "reminders", "briefs"))


def seed_mail(db: Database, ids: dict[str, int]) -> None:
    """Before the history is made, so the demo's messages to them fan out as they would."""
    system = Actor.system()
    name, phone, address = EMAIL_ONLY
    parent = people.add_person(db.uow(), system, name=name, phone=phone, role=Role.PARENT,
                               existing_ok=True).person
    people.link_parent(db.uow(), system, parent.id, ids["s5"])
    channels.set_email(db.uow(), system, address, person_id=parent.id)
    key, address, groups = BOTH
    channels.set_email(db.uow(), system, address, person_id=ids[key])
    channels.set_channels(db.uow(), system, dict.fromkeys(groups, channels.Channel.BOTH.value),
                          person_id=ids[key])
