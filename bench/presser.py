"""The people pressing, in a process of their own (`python -m bench.presser` reads a JSON spec on stdin and
writes the latencies as JSON on stdout), so the load generator does not share the bot's interpreter.

Spec: {"sandbox": url, "mode": "wait_edit" | "wait_answer", "presses": [[chat, message_id, data], ...],
"concurrency": n} (closed loop: n at once) or "rate": r (open loop: r presses/s whatever their progress).
Result: {"latencies": [seconds, ...], "wall": seconds, "missed": n}."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from tgsandbox.client import SandboxClient

WAIT = 60.0  # seconds a press may take before it counts as missed (its latency taken as WAIT)


async def _again(call: Callable[[], Awaitable[Any]]) -> Any:
    """Once more if a kept-alive connection was closed under us (an overloaded server's keep-alive race)."""
    try:
        return await call()
    except httpx.RemoteProtocolError:
        return await call()


async def _run(spec: dict[str, Any]) -> dict[str, Any]:
    limits = httpx.Limits(max_connections=400, max_keepalive_connections=400)
    missed = 0
    async with SandboxClient(spec["sandbox"]) as client, \
            httpx.AsyncClient(base_url=f"{spec['sandbox']}/sandbox", timeout=WAIT + 10, limits=limits) as http:
        async def wait_edit(chat: int, message_id: int, data: str) -> float:
            nonlocal missed
            version = (await _again(lambda: client.chat(chat)))["version"]
            start = time.perf_counter()
            await _again(lambda: client.press_button(chat, message_id, data))
            r = await http.get(f"/chats/{chat}/wait", params={
                "after_message_id": 1 << 30, "since_version": version, "timeout": WAIT})
            if r.status_code != 200:
                missed += 1
                return WAIT
            return time.perf_counter() - start

        async def wait_answer(chat: int, message_id: int, data: str) -> float:
            nonlocal missed
            start = time.perf_counter()
            query = await _again(lambda: client.press_button(chat, message_id, data, forge=True))
            if not await client.callback_answer(query, wait=WAIT):
                missed += 1
                return WAIT
            return time.perf_counter() - start

        pressing = wait_edit if spec["mode"] == "wait_edit" else wait_answer

        async def job(chat: int, message_id: int, data: str) -> float:
            nonlocal missed
            try:
                return await pressing(chat, message_id, data)
            except httpx.HTTPError as exc:  # counted with the missed presses, never the end of the run
                print(f"press in chat {chat} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
                missed += 1
                return WAIT
        presses = [tuple(p) for p in spec["presses"]]
        start = time.perf_counter()
        if "rate" in spec:
            running = []
            for n, press in enumerate(presses):
                await asyncio.sleep(max(0.0, start + n / spec["rate"] - time.perf_counter()))
                running.append(asyncio.create_task(job(*press)))
            latencies = await asyncio.gather(*running)
        else:
            gate = asyncio.Semaphore(spec["concurrency"])

            async def one(press: tuple[int, int, str]) -> float:
                async with gate:
                    return await job(*press)

            latencies = await asyncio.gather(*(one(p) for p in presses))
        wall = time.perf_counter() - start
    return {"latencies": list(latencies), "wall": wall, "missed": missed}


def main() -> None:
    spec = json.load(sys.stdin)
    json.dump(asyncio.run(_run(spec)), sys.stdout)


if __name__ == "__main__":
    main()
