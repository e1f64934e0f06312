"""The fake Telegram's world: users, chats, messages, files, updates, commands, callback queries."""

from __future__ import annotations

import asyncio
import base64
import itertools
import mimetypes
import os
import re
import secrets
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from .formatting import command_entities, utf16_len
from .journal import Journal
from .limits import Faults, RateLimiter, SandboxConfig, Stats
from .mailbox import Mailbox

BOT_ID = 7000000001
FIRST_USER_ID = 100000001
FIRST_GROUP_ID = -1000000001
FIRST_SUPERGROUP_ID = -1001000000001  # supergroups' ids start with -100, as on Telegram
GROUP_TYPES = ("group", "supergroup")
UPDATE_KINDS = ("message", "edited_message", "callback_query", "my_chat_member")


def now_unix() -> int:
    return int(time.time())


@dataclass
class User:
    id: int
    first_name: str
    last_name: str | None = None
    username: str | None = None
    phone: str | None = None
    language_code: str | None = "en"
    blocked: bool = False  # this user blocked the bot
    hint: str | None = None  # for the chat page: who this person is and what to try (never sent to the bot)

    def as_telegram(self) -> dict[str, Any]:
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        if self.last_name:
            data["last_name"] = self.last_name
        if self.username:
            data["username"] = self.username
        if self.language_code:
            data["language_code"] = self.language_code
        return data

    def as_control(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "first_name": self.first_name,
            "last_name": self.last_name,
            "username": self.username,
            "phone": self.phone,
            "language_code": self.language_code,
            "blocked": self.blocked,
            "hint": self.hint,
        }


@dataclass
class Message:
    message_id: int
    chat_id: int
    sender_id: int
    date: int
    text: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    contact: dict[str, Any] | None = None
    reply_to_message_id: int | None = None
    deleted: bool = False
    edit_date: int | None = None
    edits: list[dict[str, Any]] = field(default_factory=list)
    parse_mode: str | None = None
    media_group_id: str | None = None  # photos or documents sent together as an album

    @property
    def from_bot(self) -> bool:
        return self.sender_id == BOT_ID

    def content(self) -> dict[str, Any]:
        """What an edit may change; used to detect 'message is not modified'."""
        return {
            "text": self.text,
            "entities": self.entities,
            "caption": self.caption,
            "caption_entities": self.caption_entities,
            "reply_markup": self.reply_markup,
        }


@dataclass
class Chat:
    id: int
    type: str  # "private", "group" or "supergroup"
    title: str | None = None
    member_ids: list[int] = field(default_factory=list)
    messages: dict[int, Message] = field(default_factory=dict)
    next_message_id: int = 1
    version: int = 0  # bumped on every change in the chat
    reply_keyboard: dict[str, Any] | None = None  # the reply keyboard the user currently sees
    chat_instance: str = field(default_factory=lambda: str(secrets.randbits(62)))

    @property
    def is_group(self) -> bool:
        return self.type in ("group", "supergroup")


@dataclass
class StoredFile:
    file_id: str
    file_unique_id: str
    content: bytes
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None

    def as_document(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
        }
        if self.file_name:
            data["file_name"] = self.file_name
        if self.mime_type:
            data["mime_type"] = self.mime_type
        return data

    def as_photo_size(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "width": self.width or 1,
            "height": self.height or 1,
        }

    def as_file(self) -> dict[str, Any]:
        return {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": len(self.content),
            "file_path": self.file_path,
        }


@dataclass
class CallbackQuery:
    id: str
    user_id: int
    chat_id: int
    message_id: int
    data: str
    date: int
    answered: bool = False
    answer: dict[str, Any] | None = None

    def as_control(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "chat_id": self.chat_id,
            "message_id": self.message_id,
            "data": self.data,
            "date": self.date,
            "answered": self.answered,
            "answer": self.answer,
        }


@dataclass
class Webhook:
    url: str = ""
    secret_token: str | None = None
    allowed_updates: list[str] | None = None
    max_connections: int = 40
    last_error_date: int | None = None
    last_error_message: str | None = None
    delivered: int = 0


class Changes:
    """Wakes every waiter when something changes (messages, updates, callback answers).

    A waiter waits on a bare future of its own with one timer for its whole wait: a hundred people waiting
    on their chats are woken many times a second, and a task per wake-up (asyncio.wait_for) cost more than
    the rest of the fake Telegram's work."""

    def __init__(self) -> None:
        self._waiters: set[asyncio.Future[None]] = set()
        self.closed = False

    def notify(self) -> None:
        waiters, self._waiters = self._waiters, set()
        for waiter in waiters:
            if not waiter.done():
                waiter.set_result(None)

    async def wait_for(self, predicate: Callable[[], Any], timeout: float) -> Any:
        """The predicate's first truthy value, or None after `timeout` seconds."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        timer: asyncio.TimerHandle | None = None
        waiter: asyncio.Future[None] | None = None

        def wake() -> None:
            if waiter is not None and not waiter.done():
                waiter.set_result(None)

        try:
            while True:
                result = predicate()
                if result or loop.time() >= deadline or self.closed:
                    return result
                waiter = loop.create_future()
                self._waiters.add(waiter)
                if timer is None:
                    timer = loop.call_at(deadline, wake)
                await waiter
        finally:
            if timer is not None:
                timer.cancel()
            if waiter is not None:
                self._waiters.discard(waiter)


class SandboxState:
    """All state of one fake Telegram with one bot in it."""

    def __init__(
        self,
        *,
        token: str,
        bot_username: str = "taskbell_bot",
        bot_first_name: str = "Taskbell",
        bot_id: int = BOT_ID,
        config: SandboxConfig | None = None,
        storage: str | os.PathLike[str] | None = None,
    ) -> None:
        """`storage`: a file that keeps users, chats, messages, files and pending updates across restarts."""
        self.token = token
        self.bot_id = bot_id
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.initial_config = config or SandboxConfig()
        self.changes = Changes()
        self.limiter = RateLimiter()
        self.stats = Stats()
        self.journal: Journal | None = None
        self.mailbox = Mailbox(persist=self._record)  # the emails the sandbox's SMTP server received
        self.reset()
        if storage is not None:
            self.journal = Journal(storage)
            self._restore(self.journal.load())
            self.journal.rewrite(self._snapshot())

    # ----- lifecycle -------------------------------------------------------------------------

    def reset(self) -> None:
        """Forget everything except the bot's identity; restore the initial configuration."""
        self.config = SandboxConfig(**self.initial_config.as_dict())
        self.faults = Faults()
        if self.config.seed is not None:
            self.faults.rng.seed(self.config.seed)
        self.limiter.reset()
        self.stats.reset()
        self.users: dict[int, User] = {}
        self.chats: dict[int, Chat] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_paths: dict[str, StoredFile] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 100000001 + secrets.randbelow(1000) * 1000
        self.allowed_updates: list[str] | None = None
        self.webhook = Webhook()
        self.callbacks: dict[str, CallbackQuery] = {}
        self.commands: dict[str, list[dict[str, str]]] = {}
        self.descriptions: dict[str, dict[str, str]] = {
            "description": {},
            "short_description": {},
            "name": {},
        }
        self.poll_generation = 0
        self.waiting_polls = getattr(self, "waiting_polls", 0)  # getUpdates calls now waiting
        self._user_ids = itertools.count(FIRST_USER_ID)
        self._group_ids = itertools.count(-FIRST_GROUP_ID, 1)
        self._supergroup_ids = itertools.count(-FIRST_SUPERGROUP_ID, 1)
        self._file_ids = itertools.count(1)
        self.mailbox.forget()
        if self.journal is not None:
            self.journal.rewrite(self._snapshot())
        self.changes.notify()

    # ----- the history in a file (see journal.py) ---------------------------------------------

    def _record(self, kind: str, data: dict[str, Any]) -> None:
        if self.journal is not None:
            self.journal.write({"k": kind, **data})

    def save_user(self, user: User) -> None:
        self._record("user", asdict(user))

    def save_chat(self, chat: Chat, message: Message | None = None) -> None:
        """Record a chat's own fields and, when given, one of its messages as it is now."""
        if self.journal is None:
            return
        self._record("chat", {f.name: getattr(chat, f.name) for f in fields(Chat) if f.name != "messages"})
        if message is not None:
            self._record("msg", asdict(message))

    def _file_record(self, stored: StoredFile) -> dict[str, Any]:
        data = asdict(stored)
        data["content"] = base64.b64encode(stored.content).decode()
        return data

    def _snapshot(self) -> Iterator[dict[str, Any]]:
        """The state as records, for compacting the journal."""
        for user in self.users.values():
            yield {"k": "user", **asdict(user)}
        for chat in self.chats.values():
            yield {"k": "chat", **{f.name: getattr(chat, f.name) for f in fields(Chat) if f.name != "messages"}}
            for message in chat.messages.values():
                yield {"k": "msg", **asdict(message)}
        for stored in self.files.values():
            yield {"k": "file", **self._file_record(stored)}
        for update in self.updates:
            yield {"k": "update", "update": update, "next": self.next_update_id}
        yield {"k": "update", "update": None, "next": self.next_update_id}
        for mail in self.mailbox.records():
            yield {"k": "mail", **mail}

    def _restore(self, records: list[dict[str, Any]]) -> None:
        """Replay a journal; ids (users, groups, messages, files, updates) continue after the last one."""
        def known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
            names = {f.name for f in fields(cls)}
            return {k: v for k, v in data.items() if k in names}

        for record in records:
            kind = record.pop("k")
            if kind == "user":
                user = User(**known(User, record))
                self.users[user.id] = user
            elif kind == "chat":
                old = self.chats.get(record["id"])
                chat = Chat(**known(Chat, record))
                chat.messages = old.messages if old is not None else {}
                self.chats[chat.id] = chat
            elif kind == "msg" and record.get("chat_id") in self.chats:
                message = Message(**known(Message, record))
                chat = self.chats[message.chat_id]
                chat.messages[message.message_id] = message
                chat.next_message_id = max(chat.next_message_id, message.message_id + 1)
            elif kind == "file":
                record["content"] = base64.b64decode(record["content"])
                stored = StoredFile(**known(StoredFile, record))
                self.files[stored.file_id] = stored
                self.file_paths[stored.file_path] = stored
            elif kind == "update":
                if record.get("update"):
                    self.updates.append(record["update"])
                self.next_update_id = max(self.next_update_id, int(record["next"]))
            elif kind == "confirm":
                self._confirm(int(record["offset"]))
            elif kind == "drop":
                self.updates.clear()
            elif kind == "mail":
                self.mailbox.restore(record)
            elif kind == "mailclear":
                self.mailbox.forget()
        self._user_ids = itertools.count(max([FIRST_USER_ID - 1, *self.users]) + 1)
        self._group_ids = itertools.count(max([-FIRST_GROUP_ID - 1, *(-c for c in self.chats if c < 0)]) + 1)
        numbers = [int(m.group(1)) for p in self.file_paths if (m := re.search(r"file_(\d+)\.", p))]
        self._file_ids = itertools.count(max([0, *numbers]) + 1)

    # ----- identities ------------------------------------------------------------------------

    def bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }

    def get_me(self) -> dict[str, Any]:
        return {
            **self.bot_user(),
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    def add_user(
        self,
        first_name: str,
        *,
        user_id: int | None = None,
        last_name: str | None = None,
        username: str | None = None,
        phone: str | None = None,
        language_code: str | None = "en",
        hint: str | None = None,
    ) -> User:
        if user_id is None:
            user_id = next(self._user_ids)
            while user_id in self.users:
                user_id = next(self._user_ids)
        if user_id <= 0:
            raise ValueError("user ids are positive")
        if user_id in self.users or user_id == self.bot_id:
            raise ValueError(f"user {user_id} already exists")
        user = User(user_id, first_name, last_name, username, phone, language_code, hint=hint)
        self.users[user_id] = user
        self.chats[user_id] = Chat(id=user_id, type="private")
        self.save_user(user)
        self.save_chat(self.chats[user_id])
        self.changes.notify()
        return user

    def add_group(
        self,
        title: str,
        member_ids: list[int],
        *,
        chat_id: int | None = None,
        kind: str = "group",
    ) -> Chat:
        """A group or supergroup (negative id) with these users in it, and the bot."""
        if kind not in GROUP_TYPES:
            raise ValueError(f"type must be one of {', '.join(GROUP_TYPES)}")
        for member in member_ids:
            if member not in self.users:
                raise ValueError(f"unknown user {member}")
        if chat_id is None:
            ids = self._supergroup_ids if kind == "supergroup" else self._group_ids
            chat_id = -next(ids)
            while chat_id in self.chats:
                chat_id = -next(ids)
        if chat_id >= 0:
            raise ValueError("group ids are negative")
        if chat_id in self.chats:
            raise ValueError(f"chat {chat_id} already exists")
        chat = Chat(id=chat_id, type=kind, title=title, member_ids=list(dict.fromkeys(member_ids)))
        self.chats[chat_id] = chat
        self.save_chat(chat)
        self.changes.notify()
        return chat

    def add_member(self, chat: Chat, user_id: int) -> None:
        """Another user joins a group."""
        if not chat.is_group:
            raise ValueError("only groups have members to add")
        if user_id not in self.users:
            raise ValueError(f"unknown user {user_id}")
        if user_id not in chat.member_ids:
            chat.member_ids.append(user_id)
            self.touch(chat)

    # ----- Telegram object shapes -----------------------------------------------------------

    def chat_telegram(self, chat: Chat) -> dict[str, Any]:
        if chat.is_group:
            return {"id": chat.id, "title": chat.title or "", "type": chat.type}
        user = self.users[chat.id]
        data: dict[str, Any] = {"id": chat.id, "first_name": user.first_name, "type": "private"}
        if user.last_name:
            data["last_name"] = user.last_name
        if user.username:
            data["username"] = user.username
        return data

    def sender_telegram(self, sender_id: int) -> dict[str, Any]:
        if sender_id == self.bot_id:
            return self.bot_user()
        return self.users[sender_id].as_telegram()

    def message_telegram(self, message: Message, *, with_reply: bool = True) -> dict[str, Any]:
        chat = self.chats[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": self.sender_telegram(message.sender_id),
            "chat": self.chat_telegram(chat),
            "date": message.date,
        }
        if message.edit_date:
            data["edit_date"] = message.edit_date
        if with_reply and message.reply_to_message_id:
            replied = chat.messages.get(message.reply_to_message_id)
            if replied is not None and not replied.deleted:
                data["reply_to_message"] = self.message_telegram(replied, with_reply=False)
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = message.entities
        if message.document is not None:
            data["document"] = message.document
        if message.photo is not None:
            data["photo"] = message.photo
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = message.caption_entities
        if message.media_group_id is not None:
            data["media_group_id"] = message.media_group_id
        if message.contact is not None:
            data["contact"] = message.contact
        if message.reply_markup and "inline_keyboard" in message.reply_markup:
            data["reply_markup"] = message.reply_markup
        return data

    def message_control(self, message: Message) -> dict[str, Any]:
        """Everything about a message, for the control API and the chat page."""
        return {
            "message_id": message.message_id,
            "chat_id": message.chat_id,
            "from": self.sender_telegram(message.sender_id),
            "from_bot": message.from_bot,
            "date": message.date,
            "text": message.text,
            "entities": message.entities,
            "parse_mode": message.parse_mode,
            "caption": message.caption,
            "document": message.document,
            "photo": message.photo,
            "media_group_id": message.media_group_id,
            "contact": message.contact,
            "reply_markup": message.reply_markup,
            "reply_to_message_id": message.reply_to_message_id,
            "deleted": message.deleted,
            "edit_date": message.edit_date,
            "edits": message.edits,
        }

    def chat_control(self, chat: Chat) -> dict[str, Any]:
        data = {
            **self.chat_telegram(chat),
            "version": chat.version,
            "member_ids": chat.member_ids if chat.is_group else [chat.id],
            "reply_keyboard": chat.reply_keyboard,
        }
        if not chat.is_group:
            data["user"] = self.users[chat.id].as_control()
        return data

    # ----- messages and updates -------------------------------------------------------------

    def touch(self, chat: Chat, message: Message | None = None) -> None:
        """A change in the chat (to `message`, when given): recorded, and every waiter woken."""
        chat.version += 1
        self.save_chat(chat, message)
        self.changes.notify()

    def add_message(self, chat: Chat, sender_id: int, **fields: Any) -> Message:
        message = Message(
            message_id=chat.next_message_id,
            chat_id=chat.id,
            sender_id=sender_id,
            date=now_unix(),
            **fields,
        )
        chat.next_message_id += 1
        chat.messages[message.message_id] = message
        if sender_id == self.bot_id and message.reply_markup is not None:
            markup = message.reply_markup
            if "keyboard" in markup:
                chat.reply_keyboard = markup
            elif markup.get("remove_keyboard"):
                chat.reply_keyboard = None
        self.touch(chat, message)
        return message

    def add_update(self, kind: str, payload: dict[str, Any]) -> int | None:
        """Queue an update unless the bot's allowed_updates excludes its kind."""
        allowed = self.webhook.allowed_updates if self.webhook.url else self.allowed_updates
        update_id = self.next_update_id
        self.next_update_id += 1
        if allowed and kind not in allowed:
            self._record("update", {"update": None, "next": self.next_update_id})
            return None
        self.updates.append({"update_id": update_id, kind: payload})
        self._record("update", {"update": self.updates[-1], "next": self.next_update_id})
        self.changes.notify()
        return update_id

    def confirm_updates(self, offset: int) -> None:
        before = len(self.updates)
        self._confirm(offset)
        if len(self.updates) != before:
            self._record("confirm", {"offset": offset})

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self.updates = self.updates[offset:]
        else:
            self.updates = [u for u in self.updates if u["update_id"] >= offset]

    def drop_pending_updates(self) -> None:
        self.updates.clear()
        self._record("drop", {})
        self.changes.notify()

    # ----- what users do --------------------------------------------------------------------

    def user_chat(self, user: User, chat_id: int | None) -> Chat:
        chat = self.chats.get(user.id if chat_id is None else chat_id)
        if chat is None:
            raise ValueError(f"unknown chat {chat_id}")
        if chat.is_group and user.id not in chat.member_ids:
            raise ValueError(f"user {user.id} is not a member of chat {chat.id}")
        if not chat.is_group and chat.id != user.id:
            raise ValueError("a user can only write in their own private chat")
        return chat

    def _user_message(self, user: User, chat: Chat, **fields: Any) -> tuple[Message, int | None]:
        if user.blocked and not chat.is_group:
            raise ValueError(f"user {user.id} has blocked the bot; unblock first")
        message = self.add_message(chat, user.id, **fields)
        if chat.reply_keyboard and chat.reply_keyboard.get("one_time_keyboard"):
            chat.reply_keyboard = None
            self.save_chat(chat)
        update_id = self.add_update("message", self.message_telegram(message))
        return message, update_id

    def user_sends_text(
        self, user: User, text: str, chat_id: int | None = None, reply_to: int | None = None
    ) -> tuple[Message, int | None]:
        if not text:
            raise ValueError("text is empty")
        chat = self.user_chat(user, chat_id)
        return self._user_message(
            user, chat, text=text, entities=command_entities(text), reply_to_message_id=reply_to
        )

    def user_sends_contact(
        self,
        user: User,
        *,
        own: bool = True,
        phone: str | None = None,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        chat_id: int | None = None,
    ) -> tuple[Message, int | None]:
        chat = self.user_chat(user, chat_id)
        if own:
            contact: dict[str, Any] = {
                "phone_number": phone or user.phone or "",
                "first_name": user.first_name,
                "user_id": user.id,
            }
            if user.last_name:
                contact["last_name"] = user.last_name
            if not contact["phone_number"]:
                raise ValueError("the user has no phone number")
        else:
            if not phone:
                raise ValueError("a contact needs a phone number")
            contact = {"phone_number": phone, "first_name": first_name or "Contact"}
            if last_name:
                contact["last_name"] = last_name
            if contact_user_id is not None:
                contact["user_id"] = contact_user_id
        return self._user_message(user, chat, contact=contact)

    def user_sends_photo(
        self,
        user: User,
        content: bytes,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
    ) -> tuple[Message, int | None]:
        chat = self.user_chat(user, chat_id)
        sizes = self.store_photo(content)
        return self._user_message(
            user, chat, photo=sizes, caption=caption, media_group_id=media_group_id
        )

    def user_sends_document(
        self,
        user: User,
        content: bytes,
        *,
        file_name: str | None = None,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
    ) -> tuple[Message, int | None]:
        """A file sent as a file (not compressed as a photo), as Telegram's apps send documents."""
        if not content:
            raise ValueError("the file is empty")
        chat = self.user_chat(user, chat_id)
        stored = self.store_document(content, file_name or "document", mime_type)
        return self._user_message(
            user,
            chat,
            document=stored.as_document(),
            caption=caption,
            media_group_id=media_group_id,
        )

    def press_button(
        self, user: User, chat_id: int, message_id: int, data: str, *, forge: bool = False
    ) -> CallbackQuery:
        """A button press; `forge` sends any data, as a modified client could."""
        chat = self.chats.get(chat_id)
        if chat is None:
            raise LookupError(f"unknown chat {chat_id}")
        message = chat.messages.get(message_id)
        if message is None or message.deleted:
            raise LookupError(f"no message {message_id} in chat {chat_id}")
        markup = message.reply_markup or {}
        datas = [
            button.get("callback_data")
            for row in markup.get("inline_keyboard", [])
            for button in row
        ]
        if data not in datas and not forge:
            raise LookupError(f"message {message_id} has no button with callback_data {data!r}")
        if chat.is_group and user.id not in chat.member_ids:
            raise ValueError(f"user {user.id} is not a member of chat {chat.id}")
        if not chat.is_group and chat.id != user.id:
            raise ValueError("a user can only press buttons in their own private chat")
        query = CallbackQuery(
            id=str(secrets.randbits(63)),
            user_id=user.id,
            chat_id=chat_id,
            message_id=message_id,
            data=data,
            date=now_unix(),
        )
        self.callbacks[query.id] = query
        self.add_update(
            "callback_query",
            {
                "id": query.id,
                "from": user.as_telegram(),
                "message": self.message_telegram(message),
                "chat_instance": chat.chat_instance,
                "data": data,
            },
        )
        return query

    def set_hint(self, user: User, hint: str | None) -> None:
        """What the chat page says about this person (their role, what to try); the bot never sees it."""
        user.hint = hint
        self.save_user(user)
        self.changes.notify()

    def set_blocked(self, user: User, blocked: bool) -> int | None:
        """Block or unblock the bot; Telegram tells the bot with a my_chat_member update."""
        if user.blocked == blocked:
            return None
        user.blocked = blocked
        self.save_user(user)
        old, new = ("member", "kicked") if blocked else ("kicked", "member")
        chat = self.chats[user.id]
        self.touch(chat)

        def member(status: str) -> dict[str, Any]:
            # Telegram's ChatMemberBanned always carries until_date (0: for ever), old or new alike
            data: dict[str, Any] = {"user": self.bot_user(), "status": status}
            if status == "kicked":
                data["until_date"] = 0
            return data

        return self.add_update(
            "my_chat_member",
            {
                "chat": self.chat_telegram(chat),
                "from": user.as_telegram(),
                "date": now_unix(),
                "old_chat_member": member(old),
                "new_chat_member": member(new),
            },
        )

    # ----- files -----------------------------------------------------------------------------

    def store_file(
        self,
        content: bytes,
        *,
        folder: str,
        extension: str,
        file_name: str | None = None,
        mime_type: str | None = None,
        width: int | None = None,
        height: int | None = None,
    ) -> StoredFile:
        number = next(self._file_ids)
        prefix = {"documents": "BQACAgIAAxkBAAI", "photos": "AgACAgIAAxkBAAI"}.get(folder, "CAAC")
        stored = StoredFile(
            file_id=f"{prefix}{number:05d}{secrets.token_urlsafe(24)}",
            file_unique_id=f"AgAD{number:04d}{secrets.token_urlsafe(6)}",
            content=content,
            file_path=f"{folder}/file_{number}.{extension}",
            file_name=file_name,
            mime_type=mime_type,
            width=width,
            height=height,
        )
        self.files[stored.file_id] = stored
        self.file_paths[stored.file_path] = stored
        if self.journal is not None:
            self._record("file", self._file_record(stored))
        return stored

    def store_document(self, content: bytes, file_name: str, mime_type: str | None) -> StoredFile:
        """A document's file: the MIME type the sender gave, else guessed from the name as Telegram does."""
        name = file_name.replace("\\", "/").rsplit("/", 1)[-1] or "document"
        if not mime_type or mime_type == "application/octet-stream":
            mime_type = mimetypes.guess_type(name)[0] or mime_type
        extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
        if not re.fullmatch(r"[a-z0-9]{1,8}", extension):
            extension = "bin"
        return self.store_file(
            content, folder="documents", extension=extension, file_name=name, mime_type=mime_type
        )

    def store_photo(self, content: bytes) -> list[dict[str, Any]]:
        """PhotoSize array like Telegram's: a thumbnail size and the full size."""
        width, height = image_size(content)
        extension = image_extension(content)
        scale = min(1.0, 90 / max(width, height, 1))
        small = self.store_file(
            content,
            folder="photos",
            extension=extension,
            width=max(1, round(width * scale)),
            height=max(1, round(height * scale)),
        )
        full = self.store_file(
            content, folder="photos", extension=extension, width=width, height=height
        )
        return [small.as_photo_size(), full.as_photo_size()]


def image_extension(content: bytes) -> str:
    """The file extension for a photo's bytes (Telegram's photos are JPEG; the sandbox keeps what came)."""
    if content.startswith(b"\x89PNG"):
        return "png"
    if content.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP":
        return "webp"
    return "jpg"


def image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG, JPEG, GIF or WebP; (1, 1) when unknown."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        return int.from_bytes(content[16:20], "big"), int.from_bytes(content[20:24], "big")
    if content.startswith((b"GIF87a", b"GIF89a")) and len(content) >= 10:
        return int.from_bytes(content[6:8], "little"), int.from_bytes(content[8:10], "little")
    if content[:4] == b"RIFF" and content[8:12] == b"WEBP" and len(content) >= 30:
        chunk = content[12:16]
        if chunk == b"VP8X":
            return 1 + int.from_bytes(content[24:27], "little"), 1 + int.from_bytes(content[27:30], "little")
        if chunk == b"VP8L":
            bits = int.from_bytes(content[21:25], "little")
            return 1 + (bits & 0x3FFF), 1 + ((bits >> 14) & 0x3FFF)
        if chunk == b"VP8 ":
            return (int.from_bytes(content[26:28], "little") & 0x3FFF,
                    int.from_bytes(content[28:30], "little") & 0x3FFF)
    if content.startswith(b"\xff\xd8"):
        i = 2
        while i + 9 < len(content):
            if content[i] != 0xFF:
                break
            marker = content[i + 1]
            size = int.from_bytes(content[i + 2 : i + 4], "big")
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                height = int.from_bytes(content[i + 5 : i + 7], "big")
                width = int.from_bytes(content[i + 7 : i + 9], "big")
                return width, height
            i += 2 + size
    return 1, 1


def text_length(text: str) -> int:
    return utf16_len(text)
