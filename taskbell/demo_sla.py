"""The demo's SLA: policies for both teams (urgent and high 24/7, normal and low in business hours, the
clock paused while the work is done), a business calendar with holidays, and open tickets on time, at
risk and breached (the desk's history is breached already; these add fresh ones of each)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta

from domain.actors import Actor
from domain.clock import FixedClock
from domain.models import Priority
from domain.sla import services as sla
from domain.tickets import services as desk
from domain.tickets.rows import TicketSpec
from domain.uow import Database

# (priority, first response, resolution, business hours), in minutes
POLICIES = {
    "facilities": [("urgent", 60, 240, False), ("high", 240, 1440, False), ("normal", 1440, 4320, True),
                   ("low", 2880, 10080, True)],
    "operations": [("urgent", 30, 120, False), ("high", 120, 480, False), ("normal", 480, 2880, True),
                   ("low", 1440, 7200, True)],
}


def seed_sla(db: Database, clock: FixedClock, ids: dict[str, int], team_ids: dict[str, int], now: datetime,
             timezone: str) -> str:
    """Calendar, policies and three fresh tickets (at risk twice, breached once); the summary."""
    db = replace(db, timezone=timezone)
    admin = Actor.web(ids["admin"], "127.0.0.1")
    facilities, operations = team_ids["facilities"], team_ids["operations"]

    def file(minutes_ago: int, by: str, team: int, title: str, priority: Priority, fields: dict[str, str]) -> None:
        clock.set(now - timedelta(minutes=minutes_ago))
        desk.file_ticket(db.uow(), Actor.telegram(ids[by]), TicketSpec(team, title, title + ".", priority, fields))

    # At risk: 10 of the 60 minutes left for a first response; 20 of Operations' 120.
    file(50, "daniel", facilities, "Fire door on corridor C will not close", Priority.URGENT,
         {"location": "Corridor C"})
    file(100, "admin", operations, "Refund not received after cancellation", Priority.HIGH,
         {"booking_id": "BK-20291", "customer": "Lund family"})
    # Breached: nobody answered in the four hours.
    file(300, "meera", facilities, "Broken window in Room 9", Priority.HIGH, {"location": "Room 9"})
    clock.set(now)
    year = now.year
    sla.save_calendar(db.uow(), admin, [1, 2, 3, 4, 5], "09:00", "18:00",
                      [f"{year}-12-25", f"{year}-12-26", f"{year + 1}-01-01"])
    for team, rows in POLICIES.items():
        for priority, first, resolution, business in rows:
            sla.save_policy(db.uow(), admin, sla.PolicyIn(team_ids[team], priority, first, resolution, business,
                                                          ["done"]))
    return "SLA policies for both teams, 3 tickets at risk or breached"
