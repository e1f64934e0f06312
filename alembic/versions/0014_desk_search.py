"""desk search: the SQLite FTS5 index of tickets and their comments, kept by triggers

PostgreSQL needs nothing: it matches to_tsvector at query time (domain.tickets.search).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-07
"""
from collections.abc import Sequence

from alembic import op

revision: str = '0014'
down_revision: str | None = '0013'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# One row per ticket (rowid = -id: title, description, the extra fields' values) and one per public
# comment (rowid = the event's id).
TICKET_BODY = ("coalesce(new.title, '') || ' ' || coalesce(new.description, '') || ' ' || "
               "coalesce((SELECT group_concat(value, ' ') FROM json_each(new.fields)), '')")
COMMENT = "new.kind = 'comment' AND new.internal = 0 AND new.text IS NOT NULL"

UPGRADE = [
    "CREATE VIRTUAL TABLE ticket_search USING fts5(ticket_id UNINDEXED, body)",
    f"""CREATE TRIGGER ticket_search_ai AFTER INSERT ON tickets BEGIN
        INSERT INTO ticket_search(rowid, ticket_id, body) VALUES (-new.id, new.id, {TICKET_BODY}); END""",
    f"""CREATE TRIGGER ticket_search_au AFTER UPDATE OF title, description, fields ON tickets BEGIN
        DELETE FROM ticket_search WHERE rowid = -old.id;
        INSERT INTO ticket_search(rowid, ticket_id, body) VALUES (-new.id, new.id, {TICKET_BODY}); END""",
    """CREATE TRIGGER ticket_search_ad AFTER DELETE ON tickets BEGIN
        DELETE FROM ticket_search WHERE ticket_id = old.id; END""",
    f"""CREATE TRIGGER ticket_search_ei AFTER INSERT ON ticket_events WHEN {COMMENT} BEGIN
        INSERT INTO ticket_search(rowid, ticket_id, body) VALUES (new.id, new.ticket_id, new.text); END""",
    f"""CREATE TRIGGER ticket_search_eu AFTER UPDATE OF text, internal, kind ON ticket_events BEGIN
        DELETE FROM ticket_search WHERE rowid = old.id;
        INSERT INTO ticket_search(rowid, ticket_id, body)
            SELECT new.id, new.ticket_id, new.text WHERE {COMMENT}; END""",
    """CREATE TRIGGER ticket_search_ed AFTER DELETE ON ticket_events BEGIN
        DELETE FROM ticket_search WHERE rowid = old.id; END""",
    f"""INSERT INTO ticket_search(rowid, ticket_id, body)
        SELECT -new.id, new.id, {TICKET_BODY} FROM tickets AS new""",
    f"""INSERT INTO ticket_search(rowid, ticket_id, body)
        SELECT new.id, new.ticket_id, new.text FROM ticket_events AS new WHERE {COMMENT}""",
]
DOWNGRADE = [f"DROP TRIGGER IF EXISTS ticket_search_{t}" for t in ("ai", "au", "ad", "ei", "eu", "ed")] + [
    "DROP TABLE IF EXISTS ticket_search"]


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for statement in DOWNGRADE:
        op.execute(statement)
