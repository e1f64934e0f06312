"""Clients of the control API, for tests and tools: `SandboxClient` (async) and `SyncSandboxClient`."""

from __future__ import annotations

import asyncio
import base64
from typing import Any

import httpx


class SandboxError(RuntimeError):
    """The control API refused a request."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(f"{status}: {detail}")
        self.status = status
        self.detail = detail


def _check(response: httpx.Response) -> Any:
    if response.status_code >= 400:
        try:
            detail = response.json().get("error", response.text)
        except ValueError:
            detail = response.text
        raise SandboxError(response.status_code, detail)
    return response.json()


def _scope_name(scope: str | dict[str, Any] | None) -> str:
    if scope is None:
        return "default"
    if isinstance(scope, str):
        return scope
    kind = scope["type"]
    if kind in ("chat", "chat_administrators"):
        return f"{kind}:{scope['chat_id']}"
    if kind == "chat_member":
        return f"{kind}:{scope['chat_id']}:{scope['user_id']}"
    return kind


class SandboxClient:
    """Async wrapper of the control API at `base_url` (the sandbox's root URL)."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=f"{self.base_url}/sandbox", timeout=timeout)

    async def __aenter__(self) -> SandboxClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _get(self, path: str, **params: Any) -> Any:
        params = {k: v for k, v in params.items() if v is not None}
        return _check(await self._http.get(path, params=params))

    async def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        body = {k: v for k, v in (body or {}).items() if v is not None}
        return _check(await self._http.post(path, json=body))

    # ----- state -------------------------------------------------------------------------------

    async def reset(self) -> None:
        """Forget users, chats, updates, files, webhook, stats; restore the initial config."""
        await self._post("/reset")

    async def bot(self) -> dict[str, Any]:
        return await self._get("/bot")

    async def configure(self, **settings: Any) -> dict[str, Any]:
        """Change limits and faults, e.g. per_chat_per_second=1, error_rate=0.2, latency_ms=50."""
        return _check(await self._http.post("/config", json=settings))

    async def config(self) -> dict[str, Any]:
        return await self._get("/config")

    async def force_next(
        self,
        method: str,
        error_code: int = 502,
        retry_after: int | None = None,
        count: int = 1,
        description: str | None = None,
        *,
        drop: bool = False,
        delay_ms: int = 0,
    ) -> list[dict[str, Any]]:
        """The next `count` calls of `method` ("*" = any) answer `error_code` (or drop)."""
        data = await self._post(
            "/force",
            {
                "method": method,
                "error_code": error_code,
                "retry_after": retry_after,
                "count": count,
                "description": description,
                "drop": drop,
                "delay_ms": delay_ms,
            },
        )
        return data["forced"]

    async def clear_forced(self) -> None:
        _check(await self._http.delete("/force"))

    async def stats(self) -> dict[str, Any]:
        """{"by_method": {method: {status: n}}, "by_status": {...}, "too_many_requests": n}."""
        return await self._get("/stats")

    async def reset_stats(self) -> None:
        await self._post("/stats/reset")

    # ----- users and chats ---------------------------------------------------------------------

    async def create_user(
        self,
        first_name: str,
        phone: str | None = None,
        user_id: int | None = None,
        *,
        last_name: str | None = None,
        username: str | None = None,
        language_code: str | None = None,
        hint: str | None = None,
    ) -> dict[str, Any]:
        return await self._post(
            "/users",
            {
                "first_name": first_name,
                "phone": phone,
                "id": user_id,
                "last_name": last_name,
                "username": username,
                "language_code": language_code,
                "hint": hint,
            },
        )

    async def set_hint(self, user_id: int, hint: str | None) -> dict[str, Any]:
        """What the chat page shows under this person's name (their role, what to try)."""
        response = await self._http.patch(f"/users/{user_id}", json={"hint": hint})
        return _check(response)

    async def users(self) -> list[dict[str, Any]]:
        return (await self._get("/users"))["users"]

    async def user(self, user_id: int) -> dict[str, Any]:
        return await self._get(f"/users/{user_id}")

    async def create_group(
        self,
        title: str,
        member_ids: list[int],
        chat_id: int | None = None,
        *,
        supergroup: bool = False,
    ) -> dict[str, Any]:
        """A group (or a supergroup) with these users; its id is negative, as on Telegram."""
        return await self._post(
            "/groups",
            {
                "title": title,
                "member_ids": member_ids,
                "id": chat_id,
                "type": "supergroup" if supergroup else "group",
            },
        )

    async def add_member(self, chat_id: int, user_id: int) -> dict[str, Any]:
        """`user_id` joins the group `chat_id`."""
        return await self._post(f"/chats/{chat_id}/members", {"user_id": user_id})

    async def block(self, user_id: int) -> dict[str, Any]:
        return await self._post(f"/users/{user_id}/block")

    async def unblock(self, user_id: int) -> dict[str, Any]:
        return await self._post(f"/users/{user_id}/unblock")

    # ----- what users do -----------------------------------------------------------------------

    async def send_text(
        self,
        user_id: int,
        text: str,
        chat_id: int | None = None,
        *,
        reply_to_message_id: int | None = None,
    ) -> dict[str, Any]:
        """Returns {"message": ..., "message_id", "chat_id", "update_id"}."""
        return await self._post(
            f"/users/{user_id}/text",
            {"text": text, "chat_id": chat_id, "reply_to_message_id": reply_to_message_id},
        )

    async def send_contact(
        self,
        user_id: int,
        phone: str | None = None,
        *,
        own: bool = True,
        first_name: str | None = None,
        last_name: str | None = None,
        contact_user_id: int | None = None,
        chat_id: int | None = None,
    ) -> dict[str, Any]:
        """own=True shares the user's own contact (user_id == sender); else someone else's."""
        return await self._post(
            f"/users/{user_id}/contact",
            {
                "phone": phone,
                "own": own,
                "first_name": first_name,
                "last_name": last_name,
                "contact_user_id": contact_user_id,
                "chat_id": chat_id,
            },
        )

    async def send_photo(
        self,
        user_id: int,
        content: bytes | None = None,
        *,
        caption: str | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """A photo from the user; a small generated PNG when no content is given.

        Photos sent with the same `media_group_id` arrive as one album, as Telegram sends them."""
        body: dict[str, Any] = {
            "caption": caption,
            "chat_id": chat_id,
            "media_group_id": media_group_id,
        }
        if content is not None:
            body["data_base64"] = base64.b64encode(content).decode()
        return await self._post(f"/users/{user_id}/photo", body)

    async def send_document(
        self,
        user_id: int,
        content: bytes,
        file_name: str,
        *,
        mime_type: str | None = None,
        caption: str | None = None,
        chat_id: int | None = None,
        media_group_id: str | None = None,
    ) -> dict[str, Any]:
        """A file from the user, sent as a document (its MIME type guessed from the name if not given)."""
        body: dict[str, Any] = {
            "data_base64": base64.b64encode(content).decode(),
            "file_name": file_name,
            "mime_type": mime_type,
            "caption": caption,
            "chat_id": chat_id,
            "media_group_id": media_group_id,
        }
        return await self._post(f"/users/{user_id}/document", body)

    async def file_content(self, file_id: str) -> bytes:
        """A stored file's bytes, as the chat page shows or downloads them."""
        response = await self._http.get(f"/files/{file_id}/content")
        response.raise_for_status()
        return response.content

    async def press_button(
        self,
        chat_id: int,
        message_id: int,
        data: str,
        user_id: int | None = None,
        *,
        forge: bool = False,
    ) -> str:
        """Press an inline button; returns the callback query id. user_id defaults to chat_id.

        forge=True sends `data` even if no such button exists, as a modified client could.
        """
        result = await self._post(
            f"/users/{user_id if user_id is not None else chat_id}/press",
            {"chat_id": chat_id, "message_id": message_id, "data": data, "forge": forge or None},
        )
        return result["callback_query_id"]

    # ----- reading -----------------------------------------------------------------------------

    async def chat(self, chat_id: int) -> dict[str, Any]:
        return await self._get(f"/chats/{chat_id}")

    async def messages(self, chat_id: int, *, include_deleted: bool = True) -> list[dict[str, Any]]:
        data = await self._get(
            f"/chats/{chat_id}/messages", include_deleted=str(include_deleted).lower()
        )
        return data["messages"]

    async def bot_messages(self, chat_id: int) -> list[dict[str, Any]]:
        return [m for m in await self.messages(chat_id) if m["from_bot"]]

    async def wait_for_bot_message(
        self, chat_id: int, after_message_id: int = 0, timeout: float = 5
    ) -> dict[str, Any]:
        """The first bot message in the chat newer than after_message_id; TimeoutError if none."""
        response = await self._http.get(
            f"/chats/{chat_id}/wait",
            params={"after_message_id": after_message_id, "timeout": timeout},
            timeout=timeout + 10,
        )
        if response.status_code == 408:
            raise TimeoutError(f"no bot message after {after_message_id} in chat {chat_id}")
        return _check(response)["message"]

    async def wait_for_change(
        self, chat_id: int, since_version: int, timeout: float = 5
    ) -> dict[str, Any]:
        """Waits until anything in the chat changes (new message, edit, delete)."""
        response = await self._http.get(
            f"/chats/{chat_id}/wait",
            params={
                "after_message_id": 1 << 30,
                "since_version": since_version,
                "timeout": timeout,
            },
            timeout=timeout + 10,
        )
        if response.status_code == 408:
            raise TimeoutError(f"chat {chat_id} did not change after version {since_version}")
        return await self.chat(chat_id)

    async def callback_answer(
        self, callback_query_id: str, wait: float = 0
    ) -> dict[str, Any] | None:
        """The bot's answerCallbackQuery for this query ({"text", "show_alert", ...}) or None."""
        data = await self._get(f"/callbacks/{callback_query_id}", wait=wait or None)
        return data["answer"]

    async def commands(
        self, scope: str | dict[str, Any] | None = None, language_code: str | None = None
    ) -> list[dict[str, str]]:
        """Commands set for a scope: "default", "all_private_chats", "chat:<id>", or a dict."""
        data = await self._get("/commands", scope=_scope_name(scope), language_code=language_code)
        return data["commands"]

    async def pending_updates(self) -> list[dict[str, Any]]:
        return (await self._get("/updates"))["pending"]

    async def waiting_polls(self) -> int:
        """How many getUpdates long polls are waiting on the server right now."""
        return (await self._get("/updates"))["waiting_polls"]

    async def webhook(self) -> dict[str, Any]:
        return await self._get("/webhook")

    # ----- mail (the sandbox's SMTP server) ------------------------------------------------------

    async def emails(self, to: str | None = None) -> list[dict[str, Any]]:
        """Summaries of the emails received (newest first), or only those to one address."""
        return (await self._get("/mail", to=to))["emails"]

    async def email(self, email_id: int) -> dict[str, Any]:
        """One email: envelope, headers, text, html."""
        return await self._get(f"/mail/{email_id}")

    async def wait_for_email(self, to: str, count: int = 1, timeout: float = 10) -> dict[str, Any]:
        """The newest email to `to` once there are `count` of them; TimeoutError if not in time."""
        deadline = asyncio.get_running_loop().time() + timeout
        while True:
            found = await self.emails(to)
            if len(found) >= count:
                return await self.email(found[0]["id"])
            if asyncio.get_running_loop().time() > deadline:
                raise TimeoutError(f"{len(found)} of {count} emails to {to} arrived")
            await asyncio.sleep(0.1)

    async def clear_mail(self) -> None:
        _check(await self._http.delete("/mail"))

    async def refuse_mail(self, address: str = "*", code: int = 550, text: str | None = None,
                          times: int | None = None) -> dict[str, Any]:
        """Answer RCPT TO of `address` (`*`: any) with `code` (550 permanent, 451 temporary)."""
        return await self._post("/mail/refuse", {"address": address, "code": code, "text": text,
                                                 "times": times})

    async def accept_mail(self, address: str | None = None) -> dict[str, Any]:
        """Stop refusing `address` (None: every refusal)."""
        return await self._post("/mail/accept", {"address": address})

    async def smtp_down(self) -> dict[str, Any]:
        """Stop the SMTP server listening (connection refused) until smtp_up()."""
        return await self._post("/mail/down")

    async def smtp_up(self) -> dict[str, Any]:
        return await self._post("/mail/up")


class SyncSandboxClient:
    """Blocking twin of the most used SandboxClient calls."""

    def __init__(self, base_url: str, *, timeout: float = 30.0) -> None:
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(base_url=f"{self.base_url}/sandbox", timeout=timeout)

    def __enter__(self) -> SyncSandboxClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._http.close()

    def _post(self, path: str, body: dict[str, Any] | None = None) -> Any:
        body = {k: v for k, v in (body or {}).items() if v is not None}
        return _check(self._http.post(path, json=body))

    def reset(self) -> None:
        self._post("/reset")

    def configure(self, **settings: Any) -> dict[str, Any]:
        return _check(self._http.post("/config", json=settings))

    def create_user(
        self, first_name: str, phone: str | None = None, user_id: int | None = None, **extra: Any
    ) -> dict[str, Any]:
        return self._post(
            "/users", {"first_name": first_name, "phone": phone, "id": user_id, **extra}
        )

    def create_group(
        self, title: str, member_ids: list[int], *, supergroup: bool = False
    ) -> dict[str, Any]:
        return self._post(
            "/groups",
            {
                "title": title,
                "member_ids": member_ids,
                "type": "supergroup" if supergroup else "group",
            },
        )

    def send_text(self, user_id: int, text: str, chat_id: int | None = None) -> dict[str, Any]:
        return self._post(f"/users/{user_id}/text", {"text": text, "chat_id": chat_id})

    def send_contact(
        self, user_id: int, phone: str | None = None, *, own: bool = True
    ) -> dict[str, Any]:
        return self._post(f"/users/{user_id}/contact", {"phone": phone, "own": own})

    def press_button(
        self, chat_id: int, message_id: int, data: str, user_id: int | None = None
    ) -> str:
        """user_id defaults to chat_id (a private chat); name the member pressing in a group."""
        presser = chat_id if user_id is None else user_id
        result = self._post(
            f"/users/{presser}/press", {"chat_id": chat_id, "message_id": message_id, "data": data}
        )
        return result["callback_query_id"]

    def messages(self, chat_id: int) -> list[dict[str, Any]]:
        return _check(self._http.get(f"/chats/{chat_id}/messages"))["messages"]

    def callback(self, callback_query_id: str) -> dict[str, Any]:
        """A pressed button's callback query: {"answered": bool, "answer": {...} or None, ...}."""
        return _check(self._http.get(f"/callbacks/{callback_query_id}"))

    def wait_for_bot_message(
        self, chat_id: int, after_message_id: int = 0, timeout: float = 5
    ) -> dict[str, Any]:
        response = self._http.get(
            f"/chats/{chat_id}/wait",
            params={"after_message_id": after_message_id, "timeout": timeout},
            timeout=timeout + 10,
        )
        if response.status_code == 408:
            raise TimeoutError(f"no bot message after {after_message_id} in chat {chat_id}")
        return _check(response)["message"]

    def stats(self) -> dict[str, Any]:
        return _check(self._http.get("/stats"))
