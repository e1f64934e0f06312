"""Reading commands and deep-link payloads for the group-chat gate (bot.group_chats)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from telegram import Chat, Message, MessageEntity

from bot.group_chats import asked_command, command_of, private_chat_url


def message(text: str, *, command_length: int | None = None, offset: int = 0) -> Message:
    entities = () if command_length is None else (MessageEntity(MessageEntity.BOT_COMMAND, offset, command_length),)
    return Message(1, datetime(2026, 11, 2, tzinfo=UTC), Chat(-5, Chat.GROUP), text=text, entities=entities)


@pytest.mark.parametrize(("text", "length", "expected"), [
    ("/web", 4, "web"),
    ("/WEB@Taskbell_Bot please", 17, "web"),
    ("/web@other_bot", 14, None),
    ("hello /web", None, None),
    ("just chatting", None, None),
])
def test_command_of(text, length, expected):
    assert command_of(message(text, command_length=length), "taskbell_bot") == expected


def test_a_command_not_at_the_start_is_no_command():
    assert command_of(message("see /web", command_length=4, offset=4), "taskbell_bot") is None
    assert command_of(None, "taskbell_bot") is None


def test_deep_links_round_trip_and_invite_tokens_are_not_commands():
    url = private_chat_url("taskbell_bot", "myattendance")
    assert url == "https://t.me/taskbell_bot?start=cmd-myattendance"
    assert asked_command(url.rsplit("=", 1)[1]) == "myattendance"
    assert private_chat_url("", "web") == "https://t.me/"
    for payload in ("eyJwIjoyfQ.aui6iA.PIAjizsLMu7SKkVHOwRrApfCi4E", "cmd-", "cmd-a.b", "cmd-" + "x" * 40):
        assert asked_command(payload) is None
