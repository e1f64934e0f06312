"""Homework over the sandbox, one whole flow: a teacher sets homework to a batch with /homework (only the
students enrolled get it), a student hands in a photo, the teacher opens the hand-in (the photo comes
again), reviews it with a comment, and the student reads the comment; /homework lists what is open."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest
from sqlalchemy import select

from adapters.attachments import FileAttachments
from bot.delivery import DeliveryConfig
from domain.actors import Actor
from domain.attendance import batches
from domain.clock import SystemClock
from domain.models import HomeworkFile, HomeworkItem, HomeworkStatus, Role
from tests.auxil import databases
from tests.auxil.telegram import start_bot
from tests.bot.desk.conftest import bot_says, data_of, last_id, press, press_edit, say
from tests.factories import sandbox_person

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(scope="module")
def db(tmp_path_factory, sqlite_template):
    yield from databases.module_database(tmp_path_factory.mktemp("homework"), sqlite_template, SystemClock())


@pytest.fixture(scope="module")
async def org(db, client):
    made = {}
    for i, (key, role) in enumerate([("tina", Role.TEACHER), ("ann", Role.STUDENT), ("ben", Role.STUDENT),
                                     ("zed", Role.STUDENT)]):
        made[key] = await sandbox_person(db, client, first_name=key.title(), name=f"{key.title()} Person",
                                         phone=f"+44770096{i:04d}", role=role)
    batch = batches.create_batch(db.uow(), Actor.system(), name="Physics 10", teacher_ids=[made["tina"].id])
    for key in ("ann", "ben"):  # Zed is in no batch
        batches.enrol(db.uow(), Actor.system(), batch.id, made[key].id, date(2026, 1, 1))
    return made


@pytest.fixture(scope="module")
async def running(db, sandbox, org, tmp_path_factory):
    bot = await start_bot(db, sandbox.url, delivery=DeliveryConfig(idle_poll=0.05, backoff_base=0.05))
    bot.deps.attachments = FileAttachments(tmp_path_factory.mktemp("attachments"))
    runner = asyncio.create_task(bot.delivery.run())
    yield bot
    await bot.stop()
    await runner


async def test_set_hand_in_a_photo_review_and_the_student_reads_the_comment(running, client, db, org):
    tina, ann, zed = org["tina"].telegram_chat_id, org["ann"].telegram_chat_id, org["zed"].telegram_chat_id
    pick = await say(client, tina, "/homework", "which batch")
    await press(client, tina, pick, "Physics 10", "title")
    await say(client, tina, "Forces worksheet", "description")
    await say(client, tina, "Questions 1 to 5 on page 42.", "When is it due")
    files = await say(client, tina, "tomorrow 18:00", "Attach a worksheet")
    summary = await press(client, tina, files, "Done", "Forces worksheet")
    assert "Physics 10" in summary["text"] and "Files: 0" in summary["text"]
    set_ = await press_edit(client, tina, summary, "Confirm")
    assert "Homework set to Physics 10: 2 students told." in set_["text"]

    notice = await bot_says(client, ann, 0, "Homework: Forces worksheet")
    assert "Physics 10" in notice["text"] and "Questions 1 to 5" in notice["text"]
    assert all(len(data_of(notice, label).encode()) <= 64 for label in ("Hand in", "Mark done"))
    ask = await press(client, ann, notice, "Hand in", "send your answer")
    before = await last_id(client, ann)
    await client.send_photo(ann, caption="Page 42")
    got = await bot_says(client, ann, before + 1, "Got 1 file")
    done = await press_edit(client, ann, got, "Send")
    assert done["text"] == "Handed in “Forces worksheet”." and ask["message_id"] < done["message_id"]
    with db.uow(readonly=True) as uow:
        kept = uow.session.scalars(select(HomeworkFile).where(HomeworkFile.item_id.is_not(None))).one()
    assert kept.telegram_file_id and kept.file_key  # kept by the store, re-sendable by file_id

    handed = await bot_says(client, tina, 0, "Ann Person handed in")
    assert "1 file" in handed["text"] and "Page 42" in handed["text"]
    before = await last_id(client, tina)
    await client.press_button(tina, handed["message_id"], data_of(handed, "Open"))
    opened = await bot_says(client, tina, before, "Page 42")
    photo = await bot_says(client, tina, opened["message_id"], "Ann Person: Forces worksheet")
    assert photo.get("photo") or photo.get("caption")
    ask = await press(client, tina, opened, "Review", "Your comment")
    reviewed = await say(client, tina, "Good work; check question 4.", "Reviewed")
    assert "Ann Person is told" in reviewed["text"]
    comment = await bot_says(client, ann, done["message_id"], "check question 4")
    assert "Tina Person reviewed your" in comment["text"]
    with db.uow(readonly=True) as uow:
        states = dict(uow.session.execute(select(HomeworkItem.student_id, HomeworkItem.status)).all())
    assert states == {org["ann"].id: HomeworkStatus.REVIEWED, org["ben"].id: HomeworkStatus.OPEN}

    listing = await say(client, org["ben"].telegram_chat_id, "/homework", "Your open homework")
    assert "Forces worksheet" in listing["text"]
    assert not [m for m in await client.bot_messages(zed) if "Homework" in (m["text"] or "")]  # not enrolled
