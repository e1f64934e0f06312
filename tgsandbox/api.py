"""The Bot API endpoint: `/bot<token>/<method>`, with limits and fault injection in front."""

from __future__ import annotations

import asyncio
import logging
import re
import secrets
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from .errors import ApiError, DropConnection, bad_request, forbidden
from .formatting import Entity, apply_parse_mode, utf16_len
from .limits import SENDING_METHODS
from .params import Params, Upload, read_params
from .state import Chat, Message, SandboxState, now_unix

log = logging.getLogger(__name__)

Handler = Callable[[Params], Awaitable[Any]]

MAX_TEXT = 4096
MAX_CAPTION = 1024
_COMMAND_NAME = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_INLINE_ACTIONS = (
    "url",
    "callback_data",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly "
    "the same as a current content and reply markup of the message"
)
WEBHOOK_CONFLICT = (
    "Conflict: can't use getUpdates method while webhook is active; "
    "use deleteWebhook to delete the webhook first"
)
POLL_CONFLICT = (
    "Conflict: terminated by other getUpdates request; "
    "make sure that only one bot instance is running"
)


def ok(result: Any, description: str | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {"ok": True, "result": result}
    if description:
        body["description"] = description
    return body


class Described:
    """A result that Telegram sends with a description, e.g. 'Webhook was set'."""

    def __init__(self, result: Any, description: str) -> None:
        self.result = result
        self.description = description


class BotApi:
    """ASGI endpoint for every Bot API method."""

    def __init__(self, state: SandboxState) -> None:
        self.state = state
        self.methods: dict[str, tuple[str, Handler]] = {}
        for attr in dir(self):
            if attr.startswith("m_"):
                name = attr.removeprefix("m_")
                self.methods[name.lower()] = (name, getattr(self, attr))

    # ----- the request pipeline --------------------------------------------------------------

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        token = request.path_params["token"]
        method_name = request.path_params["method"]
        state = self.state
        if token != state.token:
            state.stats.count(method_name, 401)
            await JSONResponse(ApiError(401).payload(), 401)(scope, receive, send)
            return
        found = self.methods.get(method_name.lower())
        if found is None:
            state.stats.count(method_name, 404)
            await JSONResponse(ApiError(404).payload(), 404)(scope, receive, send)
            return
        name, handler = found
        config = state.config
        try:
            if config.latency_ms > 0:
                await asyncio.sleep(config.latency_ms / 1000)
            forced = state.faults.take_forced(name)
            if forced is not None:
                if forced.delay_ms:
                    await asyncio.sleep(forced.delay_ms / 1000)
                if forced.drop:
                    await self._drop(name, scope, receive, send)
                    return
                if forced.error_code:
                    raise ApiError(
                        forced.error_code, forced.description, retry_after=forced.retry_after
                    )
            if state.faults.roll(config.drop_rate):
                await self._drop(name, scope, receive, send)
                return
            if state.faults.roll(config.error_rate):
                raise ApiError(config.error_code)
            params = Params(await read_params(request))
            if name in SENDING_METHODS:
                self._check_limits(params)
            result = await handler(params)
            body = (
                ok(result.result, result.description)
                if isinstance(result, Described)
                else ok(result)
            )
            status = 200
        except ApiError as error:
            body, status = error.payload(), error.error_code
        state.stats.count(name, status)
        await JSONResponse(body, status)(scope, receive, send)

    async def _drop(self, name: str, scope: Scope, receive: Receive, send: Send) -> None:
        """Never answer: close the connection mid-answer, or hold it until the client gives up."""
        self.state.stats.count(name, "dropped")
        if self.state.config.drop_mode == "hang":
            try:
                async with asyncio.timeout(self.state.config.hang_seconds):
                    while (await receive())["type"] != "http.disconnect":
                        pass
            except TimeoutError:
                pass
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )
        raise DropConnection(name)

    def _check_limits(self, params: Params) -> None:
        try:
            chat_id = params.int("chat_id")
        except ApiError:
            return
        chat = self.state.chats.get(chat_id) if chat_id is not None else None
        paid = params.bool("allow_paid_broadcast")
        self.state.limiter.check(
            self.state.config, chat.id if chat else None, bool(chat and chat.is_group), paid
        )

    # ----- helpers ---------------------------------------------------------------------------

    def _chat(self, params: Params, *, sending: bool = True) -> Chat:
        if not params.has("chat_id"):
            raise bad_request("chat_id is empty")
        try:
            chat_id = params.int("chat_id")
        except ApiError:
            raise bad_request("chat not found") from None
        chat = self.state.chats.get(chat_id) if chat_id is not None else None
        if chat is None:
            raise bad_request("chat not found")
        if sending and not chat.is_group and self.state.users[chat.id].blocked:
            raise forbidden("bot was blocked by the user")
        return chat

    def _message(self, chat: Chat, params: Params, missing: str) -> Message:
        if not params.has("message_id"):
            raise bad_request("message identifier is not specified")
        message = chat.messages.get(params.int("message_id") or 0)
        if message is None or message.deleted:
            raise bad_request(missing)
        return message

    def _text(
        self, params: Params, field: str = "text", entities_field: str = "entities"
    ) -> tuple[str, list[Entity], str | None]:
        raw = params.str(field) or ""
        if not raw.strip():
            raise bad_request("message text is empty")
        parse_mode = params.str("parse_mode")
        explicit = params.json(entities_field)
        if explicit is not None:
            text, entities = raw, list(explicit)
        else:
            text, entities = apply_parse_mode(raw, parse_mode)
        if not text.strip():
            raise bad_request("message text is empty")
        if utf16_len(text) > MAX_TEXT:
            raise bad_request("message is too long")
        return text, entities, parse_mode

    def _caption(self, params: Params) -> tuple[str | None, list[Entity]]:
        raw = params.str("caption")
        if not raw:
            return None, []
        explicit = params.json("caption_entities")
        if explicit is not None:
            text, entities = raw, list(explicit)
        else:
            text, entities = apply_parse_mode(raw, params.str("parse_mode"))
        if utf16_len(text) > MAX_CAPTION:
            raise bad_request("message caption is too long")
        return text, entities

    def _markup(self, params: Params) -> dict[str, Any] | None:
        markup = params.json("reply_markup", "reply keyboard markup")
        if markup is None:
            return None
        if not isinstance(markup, dict):
            raise bad_request("can't parse reply keyboard markup JSON object")
        if "inline_keyboard" in markup:
            rows = markup["inline_keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'can\'t parse inline keyboard button: field "inline_keyboard" must be an Array of Arrays'
                )
            for row in rows:
                for button in row:
                    self._check_inline_button(button)
            return {"inline_keyboard": rows}
        if "keyboard" in markup:
            rows = markup["keyboard"]
            if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
                raise bad_request(
                    'can\'t parse keyboard button: field "keyboard" must be an Array of Arrays'
                )
            normalised = []
            for row in rows:
                new_row = []
                for button in row:
                    button = {"text": button} if isinstance(button, str) else button
                    if not isinstance(button, dict) or not button.get("text"):
                        raise bad_request("keyboard button text is empty")
                    new_row.append(button)
                normalised.append(new_row)
            return {**markup, "keyboard": normalised}
        if markup.get("remove_keyboard") or markup.get("force_reply"):
            return markup
        raise bad_request("can't parse reply keyboard markup JSON object")

    @staticmethod
    def _check_inline_button(button: Any) -> None:
        if not isinstance(button, dict):
            raise bad_request(
                "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
            )
        if not button.get("text"):
            raise bad_request("BUTTON_TEXT_INVALID")
        if not any(key in button for key in _INLINE_ACTIONS):
            raise bad_request(
                "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
            )
        if "callback_data" in button:
            data = button["callback_data"]
            if not isinstance(data, str) or not 1 <= len(data.encode()) <= 64:
                raise bad_request("BUTTON_DATA_INVALID")
        if "url" in button:
            url = str(button["url"])
            if not re.match(r"^(https?|tg)://\S+$", url):
                raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")

    def _reply_to(self, chat: Chat, params: Params) -> int | None:
        reply = params.json("reply_parameters")
        if isinstance(reply, dict):
            message_id = reply.get("message_id")
            allow = bool(reply.get("allow_sending_without_reply"))
            target_chat = reply.get("chat_id")
            if target_chat not in (None, chat.id, str(chat.id)):
                raise bad_request("replies to messages in other chats are not supported here")
        else:
            message_id = params.int("reply_to_message_id")
            allow = params.bool("allow_sending_without_reply")
        if message_id in (None, 0):
            return None
        target = chat.messages.get(int(message_id))
        if target is None or target.deleted:
            if allow:
                return None
            raise bad_request("message to be replied not found")
        return target.message_id

    def _send(self, chat: Chat, params: Params, **fields: Any) -> dict[str, Any]:
        fields.setdefault("reply_markup", self._markup(params))
        fields["reply_to_message_id"] = self._reply_to(chat, params)
        message = self.state.add_message(chat, self.state.bot_id, **fields)
        return self.state.message_telegram(message)

    def _edit(self, message: Message, method: str, new: dict[str, Any]) -> dict[str, Any]:
        old = message.content()
        merged = {**old, **new}
        if merged == old:
            raise bad_request(NOT_MODIFIED)
        for key, value in new.items():
            setattr(message, key, value)
        message.edit_date = now_unix()
        message.edits.append(
            {
                "date": message.edit_date,
                "method": method,
                "old": {k: old[k] for k in new},
                "new": {k: merged[k] for k in new},
            }
        )
        chat = self.state.chats[message.chat_id]
        if message.reply_markup and "keyboard" in message.reply_markup:
            chat.reply_keyboard = message.reply_markup
        self.state.touch(chat, message)
        return self.state.message_telegram(message)

    def _editable(self, params: Params) -> Message:
        if params.has("inline_message_id"):
            raise bad_request("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message = self._message(chat, params, "message to edit not found")
        if not message.from_bot:
            raise bad_request("message can't be edited")
        return message

    async def _file(
        self, params: Params, field: str, *, folder: str, default_ext: str
    ) -> tuple[Upload | None, Any]:
        """Stored file for a send: an upload, a known file_id or an HTTP URL Telegram fetches."""
        value = params.file(field)
        if value is None:
            raise bad_request(f"there is no {field} in the request")
        if isinstance(value, Upload):
            return value, None
        if value in self.state.files:
            return None, self.state.files[value]
        if re.match(r"^https?://", value):
            try:
                async with httpx.AsyncClient(timeout=5) as client:
                    response = await client.get(value)
                    response.raise_for_status()
            except httpx.HTTPError:
                raise bad_request("failed to get HTTP URL content") from None
            name = value.rsplit("/", 1)[-1].split("?")[0] or f"file.{default_ext}"
            content_type = response.headers.get("content-type", "").split(";")[0] or None
            return Upload(name, content_type, response.content), None
        raise bad_request("wrong remote file identifier specified: Wrong string length")

    def _scope_key(self, params: Params) -> str:
        scope = params.json("scope") or {"type": "default"}
        if not isinstance(scope, dict) or "type" not in scope:
            raise bad_request("can't parse BotCommandScope JSON object")
        kind = scope["type"]
        if kind in ("default", "all_private_chats", "all_group_chats", "all_chat_administrators"):
            key = kind
        elif kind in ("chat", "chat_administrators", "chat_member"):
            try:
                chat_id = int(scope.get("chat_id"))
            except (TypeError, ValueError):
                raise bad_request("chat not found") from None
            if chat_id not in self.state.chats:
                raise bad_request("chat not found")
            key = f"{kind}:{chat_id}"
            if kind == "chat_member":
                try:
                    user_id = int(scope.get("user_id"))
                except (TypeError, ValueError):
                    raise bad_request("user not found") from None
                if user_id not in self.state.users:
                    raise bad_request("user not found")
                key += f":{user_id}"
        else:
            raise bad_request("wrong parameter scope")
        language = params.str("language_code") or ""
        if language and not re.match(r"^[a-z]{2}$", language):
            raise bad_request("invalid language code specified")
        return f"{key}|{language}" if language else key

    # ----- identity ----------------------------------------------------------------------------

    async def m_getMe(self, params: Params) -> Any:
        return self.state.get_me()

    async def m_logOut(self, params: Params) -> Any:
        return True

    async def m_close(self, params: Params) -> Any:
        return True

    # ----- updates -----------------------------------------------------------------------------

    async def m_getUpdates(self, params: Params) -> Any:
        state = self.state
        if state.webhook.url:
            raise ApiError(409, WEBHOOK_CONFLICT)
        offset = params.int("offset")
        limit = max(1, min(100, params.int("limit", 100) or 100))
        timeout = max(0.0, min(50.0, params.float("timeout", 0.0) or 0.0))
        allowed = params.json("allowed_updates")
        if isinstance(allowed, list):
            state.allowed_updates = [str(kind) for kind in allowed] or None
        if offset is not None:
            state.confirm_updates(offset)
        state.poll_generation += 1
        generation = state.poll_generation
        state.changes.notify()
        state.waiting_polls += 1
        try:
            await state.changes.wait_for(
                lambda: state.updates or generation != state.poll_generation or state.webhook.url,
                timeout,
            )
        finally:
            state.waiting_polls -= 1
        if generation != state.poll_generation:
            raise ApiError(409, POLL_CONFLICT)
        return list(state.updates[:limit])

    async def m_setWebhook(self, params: Params) -> Any:
        state = self.state
        url = params.str("url") or ""
        if not url:
            return await self.m_deleteWebhook(params)
        if not re.match(r"^https?://[^\s/]+", url):
            raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
        secret = params.str("secret_token")
        if secret and not _SECRET_TOKEN.match(secret):
            raise bad_request("secret token contains unallowed characters")
        allowed = params.json("allowed_updates")
        if params.bool("drop_pending_updates"):
            state.drop_pending_updates()
        unchanged = state.webhook.url == url
        state.webhook.url = url
        state.webhook.secret_token = secret or None
        state.webhook.max_connections = params.int("max_connections", 40) or 40
        if isinstance(allowed, list):
            state.webhook.allowed_updates = [str(kind) for kind in allowed] or None
        if not unchanged:
            state.webhook.last_error_date = None
            state.webhook.last_error_message = None
        state.changes.notify()
        return Described(True, "Webhook is already set" if unchanged else "Webhook was set")

    async def m_deleteWebhook(self, params: Params) -> Any:
        state = self.state
        was_set = bool(state.webhook.url)
        if params.bool("drop_pending_updates"):
            state.drop_pending_updates()
        state.webhook.url = ""
        state.webhook.secret_token = None
        state.webhook.last_error_date = None
        state.webhook.last_error_message = None
        state.changes.notify()
        return Described(True, "Webhook was deleted" if was_set else "Webhook is already deleted")

    async def m_getWebhookInfo(self, params: Params) -> Any:
        webhook = self.state.webhook
        info: dict[str, Any] = {
            "url": webhook.url,
            "has_custom_certificate": False,
            "pending_update_count": len(self.state.updates),
        }
        if webhook.url:
            info["max_connections"] = webhook.max_connections
            info["ip_address"] = "127.0.0.1"
            if webhook.allowed_updates:
                info["allowed_updates"] = webhook.allowed_updates
        if webhook.last_error_date:
            info["last_error_date"] = webhook.last_error_date
            info["last_error_message"] = webhook.last_error_message
        return info

    # ----- messages ----------------------------------------------------------------------------

    async def m_sendMessage(self, params: Params) -> Any:
        chat = self._chat(params)
        text, entities, parse_mode = self._text(params)
        return self._send(chat, params, text=text, entities=entities, parse_mode=parse_mode)

    async def m_editMessageText(self, params: Params) -> Any:
        message = self._editable(params)
        if message.text is None:
            raise bad_request("there is no text in the message to edit")
        text, entities, _ = self._text(params)
        markup = self._markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return self._edit(
            message,
            "editMessageText",
            {"text": text, "entities": entities, "reply_markup": markup},
        )

    async def m_editMessageCaption(self, params: Params) -> Any:
        message = self._editable(params)
        if message.document is None and message.photo is None:
            raise bad_request("there is no caption in the message to edit")
        caption, entities = self._caption(params)
        return self._edit(
            message,
            "editMessageCaption",
            {
                "caption": caption,
                "caption_entities": entities,
                "reply_markup": self._markup(params),
            },
        )

    async def m_editMessageReplyMarkup(self, params: Params) -> Any:
        message = self._editable(params)
        markup = self._markup(params)
        if markup is not None and "inline_keyboard" not in markup:
            raise bad_request("inline keyboard expected")
        return self._edit(message, "editMessageReplyMarkup", {"reply_markup": markup})

    async def m_deleteMessage(self, params: Params) -> Any:
        chat = self._chat(params, sending=False)
        message = self._message(chat, params, "message to delete not found")
        message.deleted = True
        self.state.touch(chat, message)
        return True

    async def m_sendChatAction(self, params: Params) -> Any:
        self._chat(params)
        if not params.has("action"):
            raise bad_request("action is empty")
        return True

    async def m_answerCallbackQuery(self, params: Params) -> Any:
        query = self.state.callbacks.get(params.str("callback_query_id") or "")
        if query is None or query.answered:
            raise bad_request(
                "query is too old and response timeout expired or query ID is invalid"
            )
        text = params.str("text")
        if text and len(text) > 200:
            raise bad_request("MESSAGE_TOO_LONG")
        query.answered = True
        query.answer = {
            "text": text,
            "show_alert": params.bool("show_alert"),
            "url": params.str("url"),
            "cache_time": params.int("cache_time", 0),
            "date": now_unix(),
        }
        self.state.changes.notify()
        return True

    # ----- files -------------------------------------------------------------------------------

    async def m_sendDocument(self, params: Params) -> Any:
        chat = self._chat(params)
        caption, caption_entities = self._caption(params)
        upload, known = await self._file(params, "document", folder="documents", default_ext="bin")
        if upload is not None:
            known = self.state.store_document(
                upload.content, upload.filename or "document", upload.content_type
            )
        return self._send(
            chat,
            params,
            document=known.as_document(),
            caption=caption,
            caption_entities=caption_entities,
        )

    async def m_sendPhoto(self, params: Params) -> Any:
        chat = self._chat(params)
        caption, caption_entities = self._caption(params)
        upload, known = await self._file(params, "photo", folder="photos", default_ext="jpg")
        if upload is not None:
            if not upload.content:
                raise bad_request("IMAGE_PROCESS_FAILED")
            sizes = self.state.store_photo(upload.content)
        else:
            sizes = [known.as_photo_size()]
        return self._send(
            chat, params, photo=sizes, caption=caption, caption_entities=caption_entities
        )

    async def m_sendMediaGroup(self, params: Params) -> Any:
        """An album: 2-10 photos, or 2-10 documents, each with its own caption; one message each."""
        chat = self._chat(params)
        media = params.json("media", "media")
        if not isinstance(media, list) or not all(isinstance(item, dict) for item in media):
            raise bad_request("can't parse media JSON object")
        if not 2 <= len(media) <= 10:
            raise bad_request("wrong number of media specified: it must be from 2 to 10")
        kinds = {item.get("type") for item in media}
        if not kinds <= {"photo", "document"} or len(kinds) != 1:
            raise bad_request("MEDIA_INVALID: an album holds photos only or documents only")
        files = []
        for item in media:
            sub = Params({**params.raw, "media": item.get("media"),
                          "caption": item.get("caption"), "parse_mode": item.get("parse_mode"),
                          "caption_entities": item.get("caption_entities")})
            upload, known = await self._file(sub, "media", folder="", default_ext="bin")
            files.append((item["type"], upload, known, *self._caption(sub)))
        group = str(secrets.randbits(62))
        sent = []
        for kind, upload, known, caption, entities in files:
            if kind == "photo":
                content = {"photo": self.state.store_photo(upload.content) if upload
                           else [known.as_photo_size()]}
            else:
                stored = known or self.state.store_document(
                    upload.content, upload.filename or "document", upload.content_type)
                content = {"document": stored.as_document()}
            sent.append(self._send(chat, params, **content, caption=caption,
                                   caption_entities=entities, media_group_id=group,
                                   reply_markup=None))
        return sent

    async def m_getFile(self, params: Params) -> Any:
        stored = self.state.files.get(params.str("file_id") or "")
        if stored is None:
            raise bad_request("invalid file_id")
        if len(stored.content) > 20 * 1024 * 1024:
            raise bad_request("file is too big")
        return stored.as_file()

    # ----- chats -------------------------------------------------------------------------------

    async def m_getChat(self, params: Params) -> Any:
        chat = self._chat(params, sending=False)
        return {
            **self.state.chat_telegram(chat),
            "accent_color_id": chat.id % 7,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False,
                "limited_gifts": False,
                "unique_gifts": False,
                "premium_subscription": False,
            },
        }

    async def m_getChatMember(self, params: Params) -> Any:
        chat = self._chat(params, sending=False)
        user_id = params.int("user_id")
        if user_id == self.state.bot_id:
            return {"user": self.state.bot_user(), "status": "member"}
        user = self.state.users.get(user_id or 0)
        if user is None:
            raise bad_request("user not found")
        members = chat.member_ids if chat.is_group else [chat.id]
        status = "member" if user.id in members else "left"
        return {"user": user.as_telegram(), "status": status}

    # ----- commands and descriptions -----------------------------------------------------------

    async def m_setMyCommands(self, params: Params) -> Any:
        commands = params.json("commands")
        if not isinstance(commands, list):
            raise bad_request("can't parse commands JSON object")
        if len(commands) > 100:
            raise bad_request("too many commands specified")
        cleaned = []
        for item in commands:
            if not isinstance(item, dict):
                raise bad_request("can't parse BotCommand JSON object")
            command = str(item.get("command", "")).removeprefix("/")
            description = str(item.get("description", ""))
            if not _COMMAND_NAME.match(command):
                raise bad_request("BOT_COMMAND_INVALID")
            if not 1 <= len(description) <= 256:
                raise bad_request("BOT_COMMAND_DESCRIPTION_INVALID")
            cleaned.append({"command": command, "description": description})
        key = self._scope_key(params)
        if cleaned:
            self.state.commands[key] = cleaned
        else:
            self.state.commands.pop(key, None)
        self.state.changes.notify()
        return True

    async def m_deleteMyCommands(self, params: Params) -> Any:
        self.state.commands.pop(self._scope_key(params), None)
        self.state.changes.notify()
        return True

    async def m_getMyCommands(self, params: Params) -> Any:
        return list(self.state.commands.get(self._scope_key(params), []))

    def _set_text(self, kind: str, params: Params, limit: int) -> bool:
        value = params.str(kind) or ""
        if len(value) > limit:
            raise bad_request(f"{kind.replace('_', ' ')} is too long")
        language = params.str("language_code") or ""
        if value:
            self.state.descriptions[kind][language] = value
        else:
            self.state.descriptions[kind].pop(language, None)
        return True

    def _get_text(self, kind: str, params: Params, default: str = "") -> dict[str, str]:
        texts = self.state.descriptions[kind]
        language = params.str("language_code") or ""
        return {kind: texts.get(language, texts.get("", default))}

    async def m_setMyDescription(self, params: Params) -> Any:
        return self._set_text("description", params, 512)

    async def m_getMyDescription(self, params: Params) -> Any:
        return self._get_text("description", params)

    async def m_setMyShortDescription(self, params: Params) -> Any:
        return self._set_text("short_description", params, 120)

    async def m_getMyShortDescription(self, params: Params) -> Any:
        return self._get_text("short_description", params)

    async def m_setMyName(self, params: Params) -> Any:
        return self._set_text("name", params, 64)

    async def m_getMyName(self, params: Params) -> Any:
        return self._get_text("name", params, self.state.bot_first_name)

    async def m_setChatMenuButton(self, params: Params) -> Any:
        return True

    async def m_getChatMenuButton(self, params: Params) -> Any:
        return {"type": "commands"}
