"""Teams of the service desk: who is on them, who leads (triages), who hears of new and resolved tickets,
the extra fields their tickets carry, and the organisation-wide CC list (domain.teams.queries for reads,
domain.teams.services for admin changes)."""
