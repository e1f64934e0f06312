"""The fuzz corpus replayed as the admin (tests/web/fuzz/replay.py): not one answer 5xx."""

from __future__ import annotations

from domain.models import Role
from tests.web.fuzz.replay import replay_as


async def test_the_fuzz_corpus_gets_no_5xx_as_admin(db, make_person, clock, database_url):
    await replay_as(Role.ADMIN, db, make_person, clock, database_url)
