"""Announcements: a teacher (to their batches) or an admin (to any batch, group, team or role) posts a title
and a text, urgent or not; each recipient (students with their linked parents) is told through the outbox."""
