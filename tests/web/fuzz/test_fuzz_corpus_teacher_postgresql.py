"""The fuzz corpus replayed as the teacher on postgresql (tests/web/fuzz/replay.py): not one answer 5xx.
One file per role and database, so pytest-xdist spreads the longest replays over its workers."""

from __future__ import annotations

import pytest

from domain.models import Role
from tests.web.fuzz.replay import replay_as

pytestmark = pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)


async def test_the_fuzz_corpus_gets_no_5xx_as_teacher(db, make_person, clock, database_url):
    await replay_as(Role.TEACHER, db, make_person, clock, database_url)
