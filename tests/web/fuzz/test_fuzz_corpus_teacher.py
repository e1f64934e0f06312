"""The fuzz corpus replayed as the teacher (tests/web/fuzz/replay.py): not one answer 5xx."""

from __future__ import annotations

from domain.models import Role
from tests.web.fuzz.replay import replay_as


async def test_the_fuzz_corpus_gets_no_5xx_as_teacher(db, make_person, clock, database_url):
    await replay_as(Role.TEACHER, db, make_person, clock, database_url)
