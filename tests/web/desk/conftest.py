"""The desk of tests/domain/tickets (Facilities and Operations, their leads, crew and a requester)."""

from tests.domain.tickets.conftest import world  # noqa: F401 - the fixture, shared
