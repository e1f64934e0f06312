"""SLA: policies per team and priority, the business-hours clock, deadlines from a ticket's history.

- clock: Calendar, add_minutes, minutes_between (business minutes in the organisation's time zone).
- policies: Targets in force (stored SlaPolicy or the seed's defaults), the calendar, the at-risk share.
- compute: recompute(uow, ticket_id) stores first_response_* / resolution_* / sla_due_at on the ticket;
  domain.tickets.work.add_event calls it on every timeline entry.
- state: sla_state(ticket, now) and task_state(task, now, share): time left, at risk, breached.
- services: the console's policy and calendar pages (admins; audited; recompute on change).
"""
