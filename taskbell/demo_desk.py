"""The demo's service desk: Facilities (a location field; Lena leads, Tom and Kofi are the crew) and
Operations (booking id, customer and contact; Raj leads, Kofi helps), with tickets in every state:
new, accepted, in progress (with a conversation and an internal note), done (waiting for Lena to
resolve), resolved, reopened, rejected (with the reason) and cancelled; one filed for an outside customer.
`seed_desk_history` runs with the demo's clock in the past; `seed_desk_now` files one request at the
moment the demo starts, so Lena's triage message (Accept / Reject / Assign...) is waiting in her chat.
"""

from __future__ import annotations

import io
from datetime import timedelta

from domain.actors import Actor
from domain.clock import FixedClock
from domain.files import AttachmentStore
from domain.models import Priority
from domain.tasks import services as tasks
from domain.teams import services as teams
from domain.teams.queries import FieldSpec
from domain.teams.services import MemberSpec, TeamSpec
from domain.tickets import queries as desk_queries
from domain.tickets import services as desk
from domain.tickets.rows import AttachmentIn, Contact, TicketSpec
from domain.uow import Database


def _task(db: Database, who: int, ticket_id: int) -> int:
    detail = desk_queries.get_ticket(db.uow(readonly=True), Actor.telegram(who), ticket_id)
    return next(task for pid, _name, task in detail.assignees if pid == who and task is not None)


def demo_photo(store: AttachmentStore | None, caption: str, colour: tuple[int, int, int]) -> list[AttachmentIn]:
    """A small picture kept in the attachment store (the web shows it; no Telegram file_id), or none."""
    if store is None:
        return []
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (480, 320), colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 460, 300), outline=(255, 255, 255), width=4)
    draw.text((40, 150), caption, fill=(255, 255, 255))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    stored = store.put(buffer.getvalue(), f"{caption.lower().replace(' ', '-')}.png")
    return [AttachmentIn("photo", file_key=stored.key, filename=f"{caption}.png", content_type="image/png",
                         size=stored.size)]


def seed_desk_history(db: Database, clock: FixedClock, ids: dict[str, int],
                      store: AttachmentStore | None = None) -> dict[str, int]:
    """Two teams and a week of tickets (with a few photos when a store is given); returns the team ids."""
    system = Actor.system()
    lena, tom, kofi, raj = ids["lena"], ids["tom"], ids["kofi"], ids["raj"]
    facilities = teams.create_team(db.uow(), system, TeamSpec(
        "Facilities", "Repairs and maintenance of the buildings.", [FieldSpec("location", "Location")]),
        [MemberSpec(lena, is_lead=True, notify_resolved=True), MemberSpec(tom), MemberSpec(kofi)]).id
    operations = teams.create_team(db.uow(), system, TeamSpec(
        "Operations", "Customer bookings and escalations.",
        [FieldSpec("booking_id", "Booking ID", required=True), FieldSpec("customer", "Customer"),
         FieldSpec("contact", "Contact")]),
        [MemberSpec(raj, is_lead=True, notify_new=True, notify_resolved=True), MemberSpec(kofi)]).id
    teams.set_org_cc(db.uow(), system, [ids["admin"]])

    def file(by: str, title: str, description: str, team: int = facilities, where: str = "",
             priority: Priority = Priority.NORMAL, **extra: object) -> int:
        clock.advance(hours=3)
        fields = {"location": where} if team == facilities and where else {}
        spec = TicketSpec(team, title, description, priority, {**fields, **extra.pop("fields", {})},  # type: ignore[dict-item]
                          **extra)  # type: ignore[arg-type]
        return desk.file_ticket(db.uow(), Actor.telegram(ids[by]), spec).ticket.id

    def at(hours: float) -> None:
        clock.advance(hours=hours)

    lead, crew_tom, crew_kofi = Actor.telegram(lena), Actor.telegram(tom), Actor.telegram(kofi)
    # Resolved: a wobbly desk, fixed by Tom.
    desk_ = file("s4", "Wobbly desk in Room 4", "The desk by the window rocks when you write.", where="Room 4",
                 attachments=demo_photo(store, "Desk Room 4", (120, 80, 40)))
    desk.accept(db.uow(), lead, desk_, [tom], clock.now() + timedelta(days=2))
    at(2)
    tasks.start_task(db.uow(), crew_tom, _task(db, tom, desk_))
    at(1)
    tasks.complete_task(db.uow(), crew_tom, _task(db, tom, desk_))
    desk.resolve(db.uow(), lead, desk_, "Leg shimmed and bolts tightened.")
    # Rejected, with the reason the requester reads.
    pink = file("s7", "Paint the whole school pink", "It would be more cheerful.", where="Everywhere")
    at(1)
    desk.reject(db.uow(), lead, pink, "Repainting is decided by the governors, not the facilities team. "
                "Bring it to the student council.")
    # Cancelled by its requester.
    door = file("s8", "Door lock sticks in the music room", "The key turns only halfway.", where="Music room")
    at(2)
    desk.cancel(db.uow(), Actor.telegram(ids["s8"]), door, "It works again after the caretaker oiled it.")
    # Reopened after resolution: the wifi came back, then dropped again.
    wifi = file("meera", "Wifi drops in the staff room", "Every few minutes since Monday.", where="Staff room",
                priority=Priority.HIGH)
    desk.accept(db.uow(), lead, wifi, [kofi], clock.now() + timedelta(days=1))
    at(3)
    tasks.complete_task(db.uow(), crew_kofi, _task(db, kofi, wifi))
    desk.resolve(db.uow(), lead, wifi, "Access point restarted.")
    at(20)
    desk.reopen(db.uow(), Actor.telegram(ids["meera"]), wifi, "It dropped again this morning, twice.")
    # Done, waiting for Lena to resolve (she has Resolve / Reopen).
    bulbs = file("s2", "Bulbs out in corridor B", "Three lights by the stairs are dark.", where="Corridor B")
    desk.accept(db.uow(), lead, bulbs, [kofi])
    at(4)
    tasks.start_task(db.uow(), crew_kofi, _task(db, kofi, bulbs))
    at(1)
    tasks.complete_task(db.uow(), crew_kofi, _task(db, kofi, bulbs))
    # In progress, with two crew, a conversation and an internal note.
    radiator = file("meera", "Leaking radiator in Lab 2", "Water pools under the radiator by the sink.",
                    where="Lab 2", priority=Priority.URGENT,
                    attachments=demo_photo(store, "Radiator Lab 2", (40, 90, 160)))
    desk.accept(db.uow(), lead, radiator, [tom, kofi], clock.now() + timedelta(hours=30))
    at(1)
    tasks.start_task(db.uow(), crew_tom, _task(db, tom, radiator))
    desk.comment(db.uow(), crew_tom, radiator, "On my way; please keep the students away from the sink.")
    at(1)
    desk.comment(db.uow(), Actor.telegram(ids["meera"]), radiator, "Thanks, I moved the class to Lab 1.")
    desk.comment(db.uow(), crew_tom, radiator, "The valve is corroded; we need a plumber for the part.",
                 internal=True, attachments=demo_photo(store, "Corroded valve", (90, 90, 90)))
    # Accepted and assigned, not started yet.
    chair = file("s1", "Broken chair in the library", "One leg is cracked.", where="Library")
    desk.accept(db.uow(), lead, chair, [tom])
    # Operations: filed by Raj for an outside customer; in progress with Kofi.
    twice = file("raj", "Customer charged twice", "The deposit was taken twice on the same card.",
                 team=operations, priority=Priority.HIGH,
                 fields={"booking_id": "BK-20417", "customer": "Berg family", "contact": "Jonas Berg"},
                 contact=Contact("Jonas Berg", "+44 7700 900777", "jonas.berg@example.com"))
    desk.accept(db.uow(), Actor.telegram(raj), twice, [kofi], clock.now() + timedelta(days=1))
    tasks.start_task(db.uow(), crew_kofi, _task(db, kofi, twice))
    desk.comment(db.uow(), crew_kofi, twice, "Refund of the second deposit requested from the bank.")
    return {"facilities": facilities, "operations": operations}


def seed_desk_now(db: Database, ids: dict[str, int], team_ids: dict[str, int]) -> str:
    """One request filed as the demo starts, so the leads' triage messages are live; the summary."""
    desk.file_ticket(db.uow(), Actor.telegram(ids["daniel"]), TicketSpec(
        team_ids["facilities"], "Projector flickers in Room 12", "It flickers and goes blank after ten minutes.",
        Priority.HIGH, {"location": "Room 12"}))
    desk.file_ticket(db.uow(), Actor.telegram(ids["admin"]), TicketSpec(
        team_ids["operations"], "Room not ready at check-in", "The group arrived at 3pm; rooms were not cleaned.",
        Priority.URGENT, {"booking_id": "BK-20388", "customer": "Acme Travel", "contact": "Jo Park"}))
    return "2 desk teams, 10 tickets"
