"""The connection every Bot API call goes through: PTB's HTTPXRequest over a pool that checks idle
connections cheaply (`adapters.http_transport`)."""

from __future__ import annotations

from typing import Any

import httpx
from telegram.request import HTTPXRequest

from adapters.http_transport import pooled_transport

POOL_SIZE = 64  # connections to the Bot API: replies of PerChatUpdates' updates + the delivery loop's sends
POOL_TIMEOUT = 10.0  # seconds a call may wait for a free connection under load (PTB's default 1 s fails it)


class PooledRequest(HTTPXRequest):
    """HTTPXRequest whose httpx client is built over `pooled_transport` (again after each shutdown)."""

    def __init__(self, connection_pool_size: int = POOL_SIZE, **kwargs: Any) -> None:
        kwargs.setdefault("pool_timeout", POOL_TIMEOUT)
        super().__init__(connection_pool_size=connection_pool_size, **kwargs)

    def _build_client(self) -> httpx.AsyncClient:
        kwargs = dict(self._client_kwargs)
        http1 = kwargs.get("http1", True)
        kwargs["transport"] = pooled_transport(limits=kwargs["limits"], http1=http1, http2=not http1)
        return httpx.AsyncClient(**kwargs)
