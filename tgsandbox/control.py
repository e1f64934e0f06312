"""The control API under `/sandbox/...`: drive users, read chats, configure limits and faults."""

from __future__ import annotations

import base64
import binascii
import struct
import zlib
from dataclasses import dataclass
from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .limits import ForcedAnswer
from .state import Chat, Message, SandboxState, User


class ControlError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


def tiny_png(
    width: int = 64, height: int = 64, rgb: tuple[int, int, int] = (52, 152, 219)
) -> bytes:
    """A valid solid-colour PNG, for photos users send."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


async def _json(request: Request) -> dict[str, Any]:
    body = await request.body()
    if not body.strip():
        return {}
    try:
        data = await request.json()
    except ValueError:
        raise ControlError(400, "body must be JSON") from None
    if not isinstance(data, dict):
        raise ControlError(400, "body must be a JSON object")
    return data


@dataclass
class _SentFile:
    content: bytes = b""
    file_name: str | None = None
    mime_type: str | None = None
    caption: str | None = None
    chat_id: int | None = None
    media_group_id: str | None = None  # the same on every file of one album


async def _read_file(request: Request, field: str) -> _SentFile:
    """A file a user sends: multipart (`field` or `file`, from the chat page) or JSON with data_base64."""
    sent = _SentFile()
    if "multipart/form-data" in request.headers.get("content-type", ""):
        async with request.form() as form:
            upload = form.get(field) or form.get("file")
            if isinstance(upload, UploadFile):
                sent.content = await upload.read()
                sent.file_name, sent.mime_type = upload.filename, upload.content_type
            sent.caption = str(form.get("caption") or "") or None
            sent.chat_id = _opt_int(form.get("chat_id"), "chat_id")
            sent.media_group_id = str(form.get("media_group_id") or "") or None
        return sent
    body = await _json(request)
    sent.caption = body.get("caption")
    sent.chat_id = _opt_int(body.get("chat_id"), "chat_id")
    sent.file_name, sent.mime_type = body.get("file_name"), body.get("mime_type")
    sent.media_group_id = str(body["media_group_id"]) if body.get("media_group_id") else None
    if body.get("data_base64"):
        try:
            sent.content = base64.b64decode(body["data_base64"], validate=True)
        except (binascii.Error, ValueError):
            raise ControlError(400, "data_base64 is not base64") from None
    return sent


def _int(value: Any, name: str) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ControlError(400, f"{name} must be an integer") from None


def _opt_str(value: Any, name: str, limit: int = 500) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > limit:
        raise ControlError(400, f"{name} must be a string of at most {limit} characters")
    return value.strip() or None


def _opt_int(value: Any, name: str) -> int | None:
    return None if value in (None, "") else _int(value, name)


class Control:
    """Handlers of the control API; every answer is JSON."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state

    def routes(self) -> list[Route]:
        def route(path: str, handler: Any, methods: list[str]) -> Route:
            return Route(f"/sandbox{path}", self._wrap(handler), methods=methods)

        return [
            route("", self.overview, ["GET"]),
            route("/reset", self.reset, ["POST"]),
            route("/bot", self.bot, ["GET"]),
            route("/config", self.get_config, ["GET"]),
            route("/config", self.set_config, ["POST", "PATCH"]),
            route("/force", self.force, ["POST"]),
            route("/force", self.forced, ["GET"]),
            route("/force", self.clear_forced, ["DELETE"]),
            route("/stats", self.stats, ["GET"]),
            route("/stats/reset", self.reset_stats, ["POST"]),
            route("/users", self.list_users, ["GET"]),
            route("/users", self.create_user, ["POST"]),
            route("/users/{user_id:int}", self.get_user, ["GET"]),
            route("/users/{user_id:int}", self.update_user, ["PATCH"]),
            route("/users/{user_id:int}/block", self.block, ["POST"]),
            route("/users/{user_id:int}/unblock", self.unblock, ["POST"]),
            route("/users/{user_id:int}/text", self.send_text, ["POST"]),
            route("/users/{user_id:int}/contact", self.send_contact, ["POST"]),
            route("/users/{user_id:int}/photo", self.send_photo, ["POST"]),
            route("/users/{user_id:int}/document", self.send_document, ["POST"]),
            route("/users/{user_id:int}/press", self.press, ["POST"]),
            route("/groups", self.create_group, ["POST"]),
            route("/chats", self.list_chats, ["GET"]),
            # chat ids are signed: groups and supergroups have negative ids
            route("/chats/{chat_id}", self.get_chat, ["GET"]),
            route("/chats/{chat_id}/messages", self.chat_messages, ["GET"]),
            route("/chats/{chat_id}/members", self.add_member, ["POST"]),
            route("/chats/{chat_id}/wait", self.wait, ["GET"]),
            route("/callbacks", self.list_callbacks, ["GET"]),
            route("/callbacks/{query_id}", self.get_callback, ["GET"]),
            route("/commands", self.commands, ["GET"]),
            route("/updates", self.updates, ["GET"]),
            route("/webhook", self.webhook, ["GET"]),
            route("/files/{file_id}", self.file_info, ["GET"]),
            route("/files/{file_id}/content", self.file_content, ["GET"]),
        ]

    @staticmethod
    def _wrap(handler: Any) -> Any:
        async def endpoint(request: Request) -> Response:
            try:
                result = await handler(request)
            except ControlError as error:
                return JSONResponse({"error": error.detail}, error.status)
            except ValueError as error:
                return JSONResponse({"error": str(error)}, 400)
            except LookupError as error:
                return JSONResponse({"error": str(error).strip("'\"")}, 404)
            if isinstance(result, Response):
                return result
            return JSONResponse(result)

        return endpoint

    # ----- lookups -----------------------------------------------------------------------------

    def _user(self, request: Request) -> User:
        user = self.state.users.get(request.path_params["user_id"])
        if user is None:
            raise ControlError(404, f"unknown user {request.path_params['user_id']}")
        return user

    def _chat(self, request: Request) -> Chat:
        """The chat named in the path; its id may be negative (a group or supergroup)."""
        raw = request.path_params["chat_id"]
        try:
            chat_id = int(raw)
        except ValueError:
            raise ControlError(404, f"unknown chat {raw}") from None
        chat = self.state.chats.get(chat_id)
        if chat is None:
            raise ControlError(404, f"unknown chat {chat_id}")
        return chat

    def _sent(self, message: Message, update_id: int | None) -> dict[str, Any]:
        return {
            "message": self.state.message_telegram(message),
            "message_id": message.message_id,
            "chat_id": message.chat_id,
            "update_id": update_id,
        }

    # ----- state and configuration -------------------------------------------------------------

    async def overview(self, request: Request) -> Any:
        state = self.state
        return {
            "bot": state.get_me(),
            "users": len(state.users),
            "chats": len(state.chats),
            "pending_updates": len(state.updates),
            "webhook": state.webhook.url,
            "config": state.config.as_dict(),
        }

    async def reset(self, request: Request) -> Any:
        self.state.reset()
        return {"ok": True}

    async def bot(self, request: Request) -> Any:
        return self.state.get_me()

    async def get_config(self, request: Request) -> Any:
        return self.state.config.as_dict()

    async def set_config(self, request: Request) -> Any:
        values = await _json(request)
        self.state.config.update(values)
        if "seed" in values and self.state.config.seed is not None:
            self.state.faults.rng.seed(self.state.config.seed)
        return self.state.config.as_dict()

    async def force(self, request: Request) -> Any:
        body = await _json(request)
        method = str(body.get("method") or "*")
        drop = bool(body.get("drop", False))
        error_code = _int(body.get("error_code", 0 if drop else 502), "error_code")
        retry_after = _opt_int(body.get("retry_after"), "retry_after")
        if error_code == 429 and retry_after is None:
            retry_after = 1
        answer = ForcedAnswer(
            method=method,
            error_code=error_code,
            description=body.get("description"),
            retry_after=retry_after,
            count=max(1, _int(body.get("count", 1), "count")),
            drop=drop,
            delay_ms=max(0, _int(body.get("delay_ms", 0), "delay_ms")),
        )
        self.state.faults.forced.append(answer)
        return {"forced": [f.as_dict() for f in self.state.faults.forced]}

    async def forced(self, request: Request) -> Any:
        return {"forced": [f.as_dict() for f in self.state.faults.forced]}

    async def clear_forced(self, request: Request) -> Any:
        self.state.faults.forced.clear()
        return {"forced": []}

    async def stats(self, request: Request) -> Any:
        return {**self.state.stats.snapshot(), "paid_broadcasts": self.state.limiter.paid_sent}

    async def reset_stats(self, request: Request) -> Any:
        self.state.stats.reset()
        self.state.limiter.paid_sent = 0
        return {**self.state.stats.snapshot(), "paid_broadcasts": 0}

    # ----- users and groups --------------------------------------------------------------------

    async def list_users(self, request: Request) -> Any:
        return {"users": [user.as_control() for user in self.state.users.values()]}

    async def create_user(self, request: Request) -> Any:
        body = await _json(request)
        first_name = str(body.get("first_name") or "").strip()
        if not first_name:
            raise ControlError(400, "first_name is required")
        user = self.state.add_user(
            first_name,
            user_id=_opt_int(body.get("id", body.get("user_id")), "id"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            phone=body.get("phone"),
            language_code=body.get("language_code", "en"),
            hint=_opt_str(body.get("hint"), "hint"),
        )
        return JSONResponse(user.as_control(), 201)

    async def get_user(self, request: Request) -> Any:
        return self._user(request).as_control()

    async def update_user(self, request: Request) -> Any:
        """Only the chat page's hint can change: {"hint": "Teacher: send /attendance"} (null clears it)."""
        user = self._user(request)
        body = await _json(request)
        if set(body) - {"hint"}:
            raise ControlError(400, "only hint can be changed")
        self.state.set_hint(user, _opt_str(body.get("hint"), "hint"))
        return user.as_control()

    async def block(self, request: Request) -> Any:
        user = self._user(request)
        update_id = self.state.set_blocked(user, True)
        return {**user.as_control(), "update_id": update_id}

    async def unblock(self, request: Request) -> Any:
        user = self._user(request)
        update_id = self.state.set_blocked(user, False)
        return {**user.as_control(), "update_id": update_id}

    async def create_group(self, request: Request) -> Any:
        body = await _json(request)
        members = [_int(m, "member_ids") for m in body.get("member_ids", [])]
        chat = self.state.add_group(
            str(body.get("title") or "Group"),
            members,
            chat_id=_opt_int(body.get("id", body.get("chat_id")), "id"),
            kind=str(body.get("type") or "group"),
        )
        return JSONResponse(self.state.chat_control(chat), 201)

    async def add_member(self, request: Request) -> Any:
        chat = self._chat(request)
        body = await _json(request)
        self.state.add_member(chat, _int(body.get("user_id"), "user_id"))
        return self.state.chat_control(chat)

    # ----- what users do -----------------------------------------------------------------------

    async def send_text(self, request: Request) -> Any:
        user = self._user(request)
        body = await _json(request)
        message, update_id = self.state.user_sends_text(
            user,
            str(body.get("text") or ""),
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
            reply_to=_opt_int(body.get("reply_to_message_id"), "reply_to_message_id"),
        )
        return self._sent(message, update_id)

    async def send_contact(self, request: Request) -> Any:
        user = self._user(request)
        body = await _json(request)
        message, update_id = self.state.user_sends_contact(
            user,
            own=bool(body.get("own", True)),
            phone=body.get("phone") or body.get("phone_number"),
            first_name=body.get("first_name"),
            last_name=body.get("last_name"),
            contact_user_id=_opt_int(body.get("contact_user_id"), "contact_user_id"),
            chat_id=_opt_int(body.get("chat_id"), "chat_id"),
        )
        return self._sent(message, update_id)

    async def send_photo(self, request: Request) -> Any:
        user = self._user(request)
        sent = await _read_file(request, "photo")
        message, update_id = self.state.user_sends_photo(
            user,
            sent.content or tiny_png(),
            caption=sent.caption,
            chat_id=sent.chat_id,
            media_group_id=sent.media_group_id,
        )
        return self._sent(message, update_id)

    async def send_document(self, request: Request) -> Any:
        """A file the user sends as a document (multipart `document`, or JSON data_base64)."""
        user = self._user(request)
        sent = await _read_file(request, "document")
        if not sent.content:
            raise ControlError(400, "a document needs content (a file, or data_base64)")
        message, update_id = self.state.user_sends_document(
            user,
            sent.content,
            file_name=sent.file_name,
            mime_type=sent.mime_type,
            caption=sent.caption,
            chat_id=sent.chat_id,
            media_group_id=sent.media_group_id,
        )
        return self._sent(message, update_id)

    async def press(self, request: Request) -> Any:
        user = self._user(request)
        body = await _json(request)
        if "data" not in body:
            raise ControlError(400, "data is required")
        chat_id = _opt_int(body.get("chat_id"), "chat_id")
        query = self.state.press_button(
            user,
            user.id if chat_id is None else chat_id,
            _int(body.get("message_id"), "message_id"),
            str(body["data"]),
            forge=bool(body.get("forge", False)),
        )
        return {"callback_query_id": query.id, **query.as_control()}

    # ----- reading -----------------------------------------------------------------------------

    async def list_chats(self, request: Request) -> Any:
        return {"chats": [self.state.chat_control(chat) for chat in self.state.chats.values()]}

    async def get_chat(self, request: Request) -> Any:
        chat = self._chat(request)
        return {
            **self.state.chat_control(chat),
            "messages": [self.state.message_control(m) for m in chat.messages.values()],
        }

    async def chat_messages(self, request: Request) -> Any:
        chat = self._chat(request)
        include_deleted = request.query_params.get("include_deleted", "true").lower() != "false"
        return {
            "chat_id": chat.id,
            "version": chat.version,
            "messages": [
                self.state.message_control(m)
                for m in chat.messages.values()
                if include_deleted or not m.deleted
            ],
        }

    async def wait(self, request: Request) -> Any:
        """Long-poll until a bot message newer than after_message_id exists (or the chat changes
        past since_version); 408 on timeout."""
        chat = self._chat(request)
        after = _int(request.query_params.get("after_message_id", 0), "after_message_id")
        since = _opt_int(request.query_params.get("since_version"), "since_version")
        timeout = min(60.0, float(request.query_params.get("timeout", 5)))

        def newer() -> list[Message]:
            return [m for m in chat.messages.values() if m.from_bot and m.message_id > after]

        def ready() -> bool:
            return bool(newer()) or (since is not None and chat.version > since)

        done = await self.state.changes.wait_for(ready, timeout)
        messages = [self.state.message_control(m) for m in newer()]
        body = {
            "timeout": not done,
            "version": chat.version,
            "message": messages[0] if messages else None,
            "messages": messages,
        }
        return JSONResponse(body, 200 if done else 408)

    async def list_callbacks(self, request: Request) -> Any:
        return {"callbacks": [q.as_control() for q in self.state.callbacks.values()]}

    async def get_callback(self, request: Request) -> Any:
        query = self.state.callbacks.get(request.path_params["query_id"])
        if query is None:
            raise ControlError(404, "unknown callback query")
        timeout = float(request.query_params.get("wait", 0))
        if timeout > 0:
            await self.state.changes.wait_for(lambda: query.answered, min(timeout, 60.0))
        return query.as_control()

    async def commands(self, request: Request) -> Any:
        scope = request.query_params.get("scope")
        language = request.query_params.get("language_code") or ""
        if scope is None:
            return {"commands": self.state.commands}
        key = f"{scope}|{language}" if language else scope
        return {
            "scope": scope,
            "language_code": language,
            "commands": self.state.commands.get(key, []),
        }

    async def updates(self, request: Request) -> Any:
        return {
            "pending": list(self.state.updates),
            "waiting_polls": self.state.waiting_polls,
            "allowed_updates": self.state.allowed_updates,
        }

    async def webhook(self, request: Request) -> Any:
        hook = self.state.webhook
        return {
            "url": hook.url,
            "secret_token_set": hook.secret_token is not None,
            "allowed_updates": hook.allowed_updates,
            "pending_update_count": len(self.state.updates),
            "delivered": hook.delivered,
            "last_error_date": hook.last_error_date,
            "last_error_message": hook.last_error_message,
        }

    async def file_info(self, request: Request) -> Any:
        stored = self.state.files.get(request.path_params["file_id"])
        if stored is None:
            raise ControlError(404, "unknown file")
        return {**stored.as_file(), "file_name": stored.file_name, "mime_type": stored.mime_type}

    async def file_content(self, request: Request) -> Any:
        """A file's bytes for the chat page: images shown inline, anything else only downloaded."""
        stored = self.state.files.get(request.path_params["file_id"])
        if stored is None:
            raise ControlError(404, "unknown file")
        is_image = stored.file_path.startswith("photos/")
        mime = stored.mime_type or (
            f"image/{stored.file_path.rsplit('.', 1)[-1].replace('jpg', 'jpeg')}"
            if is_image
            else "application/octet-stream"
        )
        name = (stored.file_name or stored.file_path.rsplit("/", 1)[-1]).replace('"', "")
        return Response(
            stored.content,
            media_type=mime if is_image else "application/octet-stream",
            headers={
                "content-disposition": "inline" if is_image else f'attachment; filename="{name}"',
                "content-security-policy": "default-src 'none'; sandbox",
                "x-content-type-options": "nosniff",
            },
        )
