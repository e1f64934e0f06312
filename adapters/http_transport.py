"""An httpx transport whose connection pool checks an idle connection without asking the OS who is at
the other end.

httpcore's pool checks every pooled connection on every request (`has_expired`), and for an idle one asks
its stream whether the socket is readable; the anyio stream answers by building all of its attributes,
`getpeername()` included, a system call per connection per request. With a hundred connections open that
was a quarter of the sandbox's time and much of the bot's under load. This stream keeps its socket and
polls it directly; everything else is httpx's and httpcore's own code.
"""

from __future__ import annotations

import select
import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


def _readable(sock: socket.socket | None) -> bool:
    """True if the peer closed the socket or sent something unasked (then the connection is not reused)."""
    if sock is None or sock.fileno() < 0:
        return True
    poller = select.poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


class _KnownSocketStream(httpcore.AsyncNetworkStream):
    """httpcore's stream with its socket kept at hand."""

    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._sock = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None) -> httpcore.AsyncNetworkStream:
        return _KnownSocketStream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return _readable(self._sock)
        return self._inner.get_extra_info(info)


class KnownSocketBackend(httpcore.AsyncNetworkBackend):
    """httpcore's anyio backend, handing out streams that keep their socket."""

    def __init__(self) -> None:
        self._inner = httpcore.AnyIOBackend()

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _KnownSocketStream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(self, path: str, timeout: float | None = None,
                                  socket_options: Iterable[Any] | None = None) -> httpcore.AsyncNetworkStream:
        return _KnownSocketStream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def pooled_transport(**kwargs: Any) -> httpx.AsyncHTTPTransport:
    """httpx's transport (same arguments) over `KnownSocketBackend`."""
    transport = httpx.AsyncHTTPTransport(**kwargs)
    pool = transport._pool  # httpx keeps its httpcore pool here; tests check it still does
    if not isinstance(pool, httpcore.AsyncConnectionPool) or not hasattr(pool, "_network_backend"):
        raise RuntimeError("httpx/httpcore changed: the transport's pool is not where it was")
    pool._network_backend = KnownSocketBackend()
    return transport
