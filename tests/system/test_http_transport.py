"""The Bot API connection pool (adapters/http_transport.py): idle connections are reused, one the server
closed is noticed and replaced, and the transport really uses the cheap check."""

from __future__ import annotations

import asyncio

import httpx

from adapters.http_transport import KnownSocketBackend, pooled_transport

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok"


async def _server(close_after: int) -> tuple[asyncio.Server, list[int]]:
    """A keep-alive HTTP/1.1 server that closes each connection after `close_after` answers (without
    saying so); returns it and a list holding the number of connections accepted."""
    accepted = [0]

    async def serve(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        accepted[0] += 1
        for _ in range(close_after):
            head = await reader.readuntil(b"\r\n\r\n")
            if not head:
                break
            writer.write(RESPONSE)
            await writer.drain()
        writer.close()

    return await asyncio.start_server(serve, "127.0.0.1", 0), accepted


async def test_idle_connections_are_reused_and_a_closed_one_is_replaced():
    server, accepted = await _server(close_after=3)
    port = server.sockets[0].getsockname()[1]
    transport = pooled_transport(limits=httpx.Limits(max_connections=4))
    assert isinstance(transport._pool._network_backend, KnownSocketBackend)
    async with server, httpx.AsyncClient(transport=transport, base_url=f"http://127.0.0.1:{port}") as client:
        for _ in range(3):
            assert (await client.get("/")).text == "ok"
        assert accepted[0] == 1  # kept alive
        await asyncio.sleep(0.1)  # the server has now closed it without a word
        for _ in range(3):  # the pool sees the closed socket as readable and opens a new one, no error
            assert (await client.get("/")).text == "ok"
        assert accepted[0] == 2
