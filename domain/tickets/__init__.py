"""The service desk's tickets (issue 15). Modules, one way down:

    rows        read models and inputs (TicketSpec, TicketFilter, TicketRow, TicketDetail, EventRow, ...)
    access      the ONE visibility rule and the action table (who may do what in which status)
    build       rows and details from the tables for one viewer (contacts masked, internal notes hidden)
    notify      who hears of what (one message per person per event)
    attachments attachment rows (Telegram file_id, stored file key)
    work        one task per assignee; the hook domain.tasks calls when a task moves
    services    file, edit, accept, reject, assign, resolve, reopen, cancel, comment, watchers
    queries     list_tickets, get_ticket
    reminders   the reminder rules (untriaged -> leads; in progress too long -> assignees)

domain.tasks imports domain.tickets.work, so nothing here may import domain.tasks.
Teams are domain.teams.
"""
