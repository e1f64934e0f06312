"""The sandbox's history in a file: after a restart (or kill -9) the chats are there and ids continue."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tgsandbox.client import SandboxClient
from tgsandbox.server import SandboxServer
from tgsandbox.state import SandboxState

TOKEN = "123456:SANDBOX-persist"
GENEROUS = {"global_per_second": 10_000, "per_chat_per_second": 10_000, "group_per_minute": 10_000}


def bot_api(server: SandboxServer, method: str, **params) -> dict:
    answer = httpx.post(f"{server.bot_base_url}{TOKEN}/{method}", json=params, timeout=10).json()
    assert answer["ok"], answer
    return answer["result"]


def served(storage: Path) -> SandboxServer:
    server = SandboxServer(TOKEN, storage=storage, **GENEROUS)
    server.start()
    return server


async def test_history_users_files_and_pending_updates_survive_a_restart(tmp_path):
    storage = tmp_path / "instance" / "taskbell-sandbox.jsonl"
    first = served(storage)
    try:
        async with SandboxClient(first.url) as control:
            ann = await control.create_user("Ann", phone="+447700900001")
            bob = await control.create_user("Bob")
            group = await control.create_group("Class 7", [ann["id"], bob["id"]])
            said = await control.send_text(ann["id"], "hello")
            keep = bot_api(first, "sendMessage", chat_id=ann["id"], text="first",
                           reply_markup={"inline_keyboard": [[{"text": "Start", "callback_data": "s"}]]})
            gone = bot_api(first, "sendMessage", chat_id=ann["id"], text="to delete")
            bot_api(first, "editMessageText", chat_id=ann["id"], message_id=keep["message_id"], text="edited")
            bot_api(first, "deleteMessage", chat_id=ann["id"], message_id=gone["message_id"])
            bot_api(first, "sendMessage", chat_id=group["id"], text="to the class")
            await control.block(bob["id"])
            before = {c: await control.messages(c) for c in (ann["id"], bob["id"])}
            users_before = await control.users()
            pending_before = await control.pending_updates()
    finally:
        first.stop()

    second = served(storage)
    try:
        async with SandboxClient(second.url) as control:
            assert {c: await control.messages(c) for c in before} == before
            in_group = second.state.chats[group["id"]]  # (the control API takes no negative ids yet)
            assert [m.text for m in in_group.messages.values()] == ["to the class"]
            assert in_group.member_ids == [ann["id"], bob["id"]] and in_group.title == "Class 7"
            assert await control.users() == users_before
            assert await control.pending_updates() == pending_before
            assert [m["text"] for m in before[ann["id"]]] == ["hello", "edited", "to delete"]
            assert before[ann["id"]][2]["deleted"] and before[ann["id"]][1]["edits"]
            # ids continue: users, groups, messages and updates never reuse an old one
            carl = await control.create_user("Carl")
            assert carl["id"] > max(u["id"] for u in users_before)
            other = await control.create_group("Class 8", [carl["id"]])
            assert other["id"] < group["id"]
            again = bot_api(second, "sendMessage", chat_id=ann["id"], text="after the restart")
            assert again["message_id"] == gone["message_id"] + 1
            update = await control.send_text(ann["id"], "still there?")
            assert update["update_id"] > said["update_id"]
    finally:
        second.stop()


async def test_a_document_is_still_downloadable_after_a_restart(tmp_path):
    storage = tmp_path / "sandbox.jsonl"
    first = served(storage)
    try:
        async with SandboxClient(first.url) as control:
            ann = await control.create_user("Ann")
        sent = httpx.post(f"{first.bot_base_url}{TOKEN}/sendDocument", data={"chat_id": ann["id"]},
                          files={"document": ("report.csv", b"name,done\nAnn,1\n", "text/csv")}).json()
        assert sent["ok"], sent
        file_id = sent["result"]["document"]["file_id"]
    finally:
        first.stop()
    second = served(storage)
    try:
        path = bot_api(second, "getFile", file_id=file_id)["file_path"]
        body = httpx.get(f"{second.bot_base_file_url}{TOKEN}/{path}").content
        assert body == b"name,done\nAnn,1\n"
        again = httpx.post(f"{second.bot_base_url}{TOKEN}/sendDocument", data={"chat_id": ann["id"]},
                           files={"document": ("b.csv", b"x", "text/csv")}).json()["result"]
        assert again["document"]["file_id"] != file_id
        assert bot_api(second, "getFile", file_id=again["document"]["file_id"])["file_path"] != path
    finally:
        second.stop()


def test_a_torn_last_line_is_skipped_and_the_file_is_compacted_on_start(tmp_path):
    storage = tmp_path / "sandbox.jsonl"
    state = SandboxState(token=TOKEN, storage=storage)
    ann = state.add_user("Ann")
    state.add_message(state.chats[ann.id], state.bot_id, text="one")
    state.add_message(state.chats[ann.id], state.bot_id, text="two")
    state.journal.close()
    with open(storage, "a", encoding="utf-8") as f:
        f.write('{"k":"msg","message_id":3,"chat_id":')  # kill -9 in the middle of a write
    lines = storage.read_text().count("\n")

    again = SandboxState(token=TOKEN, storage=storage)
    assert [m.text for m in again.chats[ann.id].messages.values()] == ["one", "two"]
    assert again.add_message(again.chats[ann.id], again.bot_id, text="three").message_id == 3
    records = [json.loads(line) for line in storage.read_text().splitlines()]
    assert len(records) < lines + 3  # one record per object on start, then the new message's
    again.journal.close()


def test_reset_forgets_the_file_too(tmp_path):
    storage = tmp_path / "sandbox.jsonl"
    state = SandboxState(token=TOKEN, storage=storage)
    state.add_user("Ann")
    state.reset()
    state.journal.close()
    assert SandboxState(token=TOKEN, storage=storage).users == {}


def test_without_storage_nothing_is_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    state = SandboxState(token=TOKEN)
    state.add_message(state.chats[state.add_user("Ann").id], state.bot_id, text="hi")
    assert state.journal is None and list(tmp_path.iterdir()) == []


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _start_process(port: int, storage: Path) -> subprocess.Popen:
    code = ("from tgsandbox.server import serve; "
            f"serve(port={port}, token={TOKEN!r}, storage={str(storage)!r}, log_level='warning', "
            "global_per_second=10000, per_chat_per_second=10000)")
    process = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL,
                               cwd=Path(__file__).resolve().parents[2])
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/sandbox/users", timeout=1)
            return process
        except httpx.TransportError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("the sandbox process did not start")


def test_kill_9_loses_no_answered_message(tmp_path):
    """A separate process, killed with SIGKILL right after its last answer: every message is there."""
    storage, port = tmp_path / "sandbox.jsonl", _free_port()
    base = f"http://127.0.0.1:{port}"
    process = _start_process(port, storage)
    try:
        user = httpx.post(f"{base}/sandbox/users", json={"first_name": "Ann"}).json()
        ids = [httpx.post(f"{base}/bot{TOKEN}/sendMessage",
                          json={"chat_id": user["id"], "text": f"n{i}"}).json()["result"]["message_id"]
               for i in range(30)]
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait(10)
    process = _start_process(port, storage)
    try:
        texts = [m["text"] for m in httpx.get(f"{base}/sandbox/chats/{user['id']}/messages").json()["messages"]]
        assert texts == [f"n{i}" for i in range(30)]
        after = httpx.post(f"{base}/bot{TOKEN}/sendMessage", json={"chat_id": user["id"], "text": "x"}).json()
        assert after["result"]["message_id"] == ids[-1] + 1
    finally:
        process.kill()
        process.wait(10)
