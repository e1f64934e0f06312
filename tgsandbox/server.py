"""Running the sandbox: in a background thread for tests, or blocking for the CLI."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import threading
from types import TracebackType
from typing import Any

import uvicorn
from starlette.types import ASGIApp

from .app import create_app
from .errors import DropConnection
from .limits import SandboxConfig
from .mailbox import SmtpServer
from .state import SandboxState


class _HideDrops(logging.Filter):
    """Dropped connections are on purpose: keep them out of uvicorn's error log."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, DropConnection):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


def _install_drop_filter() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _HideDrops) for f in logger.filters):
        logger.addFilter(_HideDrops())


class ThreadedUvicorn:
    """Any ASGI app served by uvicorn on its own event loop in a daemon thread."""

    def __init__(self, app: ASGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.app = app
        self.host = host
        self.port = port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def start(self, timeout: float = 10.0) -> str:
        if self._thread is not None:
            return self.url
        _install_drop_filter()
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="on",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=30,
        )
        self._server = uvicorn.Server(config)
        started = threading.Event()

        def run() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self._serve(sock, started))
            except BaseException as exc:  # surfaced by start()/stop()
                self._error = exc
            finally:
                started.set()
                loop.close()

        self._thread = threading.Thread(target=run, name=f"uvicorn-{self.port}", daemon=True)
        self._thread.start()
        if not started.wait(timeout) or not self._server.started:
            self.stop()
            raise RuntimeError(f"server on {self.url} did not start: {self._error!r}")
        return self.url

    async def _serve(self, sock: socket.socket, started: threading.Event) -> None:
        assert self._server is not None
        task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started and not task.done():
            await asyncio.sleep(0.01)
        started.set()
        await task

    def call_soon(self, callback: Any) -> None:
        """Run a callback on the server's loop (thread-safe)."""
        if self._loop is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(callback)

    def stop(self, timeout: float = 10.0) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
        self._thread = None


class SandboxServer:
    """The sandbox Bot API server in a background thread; `start()` returns its base URL."""

    def __init__(
        self,
        token: str,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        bot_username: str = "taskbell_bot",
        global_per_second: int = 30,
        per_chat_per_second: int = 1,
        group_per_minute: int = 20,
        storage: str | os.PathLike[str] | None = None,
        smtp_port: int | None = None,
        **config: Any,
    ) -> None:
        """`smtp_port`: also run an SMTP server there (0: a free port) whose mail the Mailbox tab shows."""
        base = SandboxConfig(
            global_per_second=global_per_second,
            per_chat_per_second=per_chat_per_second,
            group_per_minute=group_per_minute,
        )
        base.update(config)
        self.token = token
        self.state = SandboxState(token=token, bot_username=bot_username, config=base, storage=storage)
        self.app = create_app(self.state, token=token, bot_username=bot_username)
        self._runner = ThreadedUvicorn(self.app, host, port)
        self.smtp = None if smtp_port is None else SmtpServer(self.state.mailbox, host, smtp_port)

    @property
    def url(self) -> str:
        return self._runner.url

    @property
    def bot_base_url(self) -> str:
        """For `telegram.Bot(base_url=...)`."""
        return f"{self.url}/bot"

    @property
    def bot_base_file_url(self) -> str:
        """For `telegram.Bot(base_file_url=...)`."""
        return f"{self.url}/file/bot"

    def start(self) -> str:
        url = self._runner.start()
        if self.smtp is not None:
            try:
                self.smtp.start()
            except RuntimeError:
                self._runner.stop()
                raise
        return url

    def stop(self) -> None:
        if self.smtp is not None:
            self.smtp.stop()

        def wake_waiters() -> None:
            self.state.changes.closed = True
            self.state.changes.notify()

        self._runner.call_soon(wake_waiters)
        self._runner.stop()
        if self.state.journal is not None:
            self.state.journal.close()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def serve(
    host: str = "127.0.0.1",
    port: int = 8081,
    token: str = "123456:SANDBOX",
    *,
    bot_username: str = "taskbell_bot",
    log_level: str = "info",
    access_log: bool = False,
    smtp_port: int | None = None,
    **config: Any,
) -> None:
    """Serve the sandbox until interrupted (the `taskbell sandbox` command); `smtp_port`: with an SMTP server.

    The access log is off by default because Bot API paths carry the bot token."""
    _install_drop_filter()
    app = create_app(token=token, bot_username=bot_username, **config)
    shown = f"[{host}]" if ":" in host else host
    print(f"Taskbell sandbox Bot API on http://{shown}:{port}/bot<token>/<method>", flush=True)
    print(f"Chat page: http://{shown}:{port}/chat", flush=True)
    smtp = None
    if smtp_port is not None:  # its mail shows in the chat page's Mailbox tab
        smtp = SmtpServer(app.state.sandbox.mailbox, host, smtp_port).start()
        print(f"SMTP server on {shown}:{smtp.port} (no TLS, no login)", flush=True)
    try:
        uvicorn.run(
            app,
            host=host,
            port=port,
            log_level=log_level,
            access_log=access_log,
            timeout_graceful_shutdown=2,
        )
    finally:
        if smtp is not None:
            smtp.stop()
