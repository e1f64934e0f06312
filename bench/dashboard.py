"""Row 4: GET /d/{token} for a person with 200 tasks at 64 concurrent connections, against hello world.

Both apps are served by uvicorn in their own process; the load comes from `wrk` when installed,
else from an asyncio httpx client. SQL statements per request are counted in-process."""

from __future__ import annotations

import asyncio
import io
import re
import shutil
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
from sqlalchemy import event

from bench.common import KEY, Row, free_port, make_admin, percentile, progress, sqlite_db, wait_http
from domain.actors import Actor
from domain.links import LinkSigner
from domain.tasks import services as tasks

ROOT = Path(__file__).resolve().parent.parent


def _serve(database_url: str, port: int, kind: str) -> None:  # runs in the server process
    import uvicorn

    if kind == "hello":
        from starlette.applications import Starlette
        from starlette.responses import PlainTextResponse
        from starlette.routing import Route

        async def hello(_request: object) -> PlainTextResponse:
            return PlainTextResponse("Hello, world!")

        app = Starlette(routes=[Route("/", hello)])
    else:
        from domain.database import make_engine
        from domain.uow import Database
        from web.app import create_app
        from web.deps import WebDeps

        app = create_app(WebDeps(settings=_settings(database_url, port), db=Database.from_engine(
            make_engine(database_url)), links=LinkSigner((KEY,))))
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


def _settings(database_url: str, port: int):  # -> Settings
    from adapters.settings import Settings

    return Settings(database_url=database_url, secret_keys=(KEY,), timezone="Europe/London",
                    app_base_url=f"http://127.0.0.1:{port}")


def hello_app():  # -> Starlette; for `uvicorn.run(..., workers=N)`, which takes an import string
    """Hello-world Starlette, as an app factory."""
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    async def hello(_request: object) -> PlainTextResponse:
        return PlainTextResponse("Hello, world!")

    return Starlette(routes=[Route("/", hello)])


def _serve_hello(port: int) -> None:  # runs in each hello-world server process
    """Hello world on its own SO_REUSEPORT socket: N of these spread connections as `taskbell web` does."""
    import asyncio
    import socket

    import uvicorn

    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as taskbell/web_workers.py does
    sock.bind(("127.0.0.1", port))
    sock.listen(2048)
    server = uvicorn.Server(uvicorn.Config(hello_app(), log_level="warning", access_log=False))
    asyncio.run(server.serve(sockets=[sock]))


class Server:
    def __init__(self, database_url: str, kind: str) -> None:
        self.port = free_port()
        self.proc = subprocess.Popen(
            [sys.executable, "-c", f"from bench.dashboard import _serve; _serve({database_url!r}, {self.port}, {kind!r})"],
            cwd=ROOT)
        wait_http(f"http://127.0.0.1:{self.port}/health" if kind != "hello" else f"http://127.0.0.1:{self.port}/",
                  proc=self.proc)

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(5)


class WorkersServer:
    """`taskbell web --workers N` (kind "app"), or N hello-world processes on SO_REUSEPORT sockets ("hello")."""

    def __init__(self, database_url: str, kind: str, workers: int, workdir: Path) -> None:
        import os

        self.port = free_port()
        if kind == "hello":
            commands = [["-c", f"from bench.dashboard import _serve_hello; _serve_hello({self.port})"]] * workers
        else:
            commands = [["-m", "taskbell.cli", "web", "--workers", str(workers)]]
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "DATABASE_URL": database_url, "SECRET_KEYS": KEY,
               "WEB_PORT": str(self.port), "APP_BASE_URL": f"http://127.0.0.1:{self.port}",
               "TIMEZONE": "Europe/London", "PYTHONPATH": str(ROOT)}
        self.procs: list[subprocess.Popen[bytes]] = []
        for i, command in enumerate(commands):
            with open(workdir / f"web-{kind}-{workers}-{i}.log", "w") as out:
                self.procs.append(subprocess.Popen([sys.executable, *command], cwd=workdir, env=env, stdout=out,
                                                   stderr=subprocess.STDOUT))
        for proc in self.procs:
            wait_http(f"http://127.0.0.1:{self.port}/" + ("health" if kind == "app" else ""), timeout=90, proc=proc)
        if kind == "hello":  # every process listening (the first answer may have come from one of them)
            time.sleep(2)

    def stop(self) -> None:
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


def _unit_ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _wrk(url: str, connections: int, seconds: int) -> tuple[float, float, float, int]:
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, timeout=seconds + 30, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p50 = _unit_ms(re.search(r"\s50%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    p99 = _unit_ms(re.search(r"\s99%\s+(\S+)", out).group(1))  # type: ignore[union-attr]
    errors = sum(int(n) for n in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    return rps, p50, p99, errors


async def _httpx_load(url: str, connections: int, seconds: int) -> tuple[float, float, float, int]:
    latencies: list[float] = []
    errors = 0
    deadline = time.perf_counter() + seconds
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(limits=limits, timeout=30) as client:
        async def worker() -> None:
            nonlocal errors
            while time.perf_counter() < deadline and len(latencies) < 1_000_000:
                start = time.perf_counter()
                r = await client.get(url)
                latencies.append(time.perf_counter() - start)
                errors += r.status_code >= 400
        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(connections)))
        wall = time.perf_counter() - start
    return len(latencies) / wall, percentile(latencies, 50) * 1000, percentile(latencies, 99) * 1000, errors


def load(url: str, connections: int, seconds: int) -> tuple[float, float, float, int]:
    """(requests/s, p50 ms, p99 ms, error answers) for `seconds` of load at `connections`."""
    if shutil.which("wrk"):
        return _wrk(url, connections, seconds)
    return asyncio.run(_httpx_load(url, connections, seconds))


def _populate(workdir: Path, n: int, small: int, db=None):  # -> (db, big person, small person)
    from sqlalchemy import insert

    from domain.models import Person, PersonStatus, Role

    db = db or sqlite_db(workdir, f"dashboard{n}")
    admin = make_admin(db)
    with db.uow() as uow:
        now = uow.now
        uow.session.execute(insert(Person), [
            {"name": f"Dash {i}", "phone": f"+4477000000{i}", "role": Role.STUDENT, "status": PersonStatus.ACTIVE,
             "created_at": now, "updated_at": now} for i in range(2)])
        uow.commit()
    big, little = admin + 1, admin + 2
    for i in range(n):
        who = [big, little] if i < small else [big]
        due = db.clock.now() + timedelta(hours=(i % 48) + 1) if i % 5 else None
        tasks.assign(db.uow(), Actor.telegram(admin), tasks.AssignmentSpec(
            title=f"Task {i}", description="Do the thing properly.", person_ids=who, due_at=due))
    from sqlalchemy import select

    from domain.models import Task
    with db.uow(readonly=True) as uow:
        mine = list(uow.session.execute(select(Task.id, Task.assignee_id).order_by(Task.id)))
    for task_id, person in mine[: len(mine) // 4]:  # a quarter started, half of those done
        tasks.start_task(db.uow(), Actor.telegram(person), task_id)
        if task_id % 2:
            tasks.complete_task(db.uow(), Actor.telegram(person), task_id)
    return db, big, little


async def _count_statements(db, token_big: str, token_little: str) -> tuple[int, int]:
    from web.app import create_app
    from web.deps import WebDeps

    app = create_app(WebDeps(settings=_settings(str(db.engine.url), 8000), db=db, links=LinkSigner((KEY,))))
    counts: list[int] = []

    def count(*_args: object) -> None:
        counts[-1] += 1

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as c:
            for token in (token_little, token_big):
                counts.append(0)
                r = await c.get(f"/d/{token}")
                r.raise_for_status()
    finally:
        event.remove(db.engine, "before_cursor_execute", count)
    return counts[1], counts[0]


async def _sequential(db, token: str, requests: int, *, rebuild: bool = False) -> float:
    """Seconds per GET /d/{token}, one at a time, in this process (the app built as `taskbell web` does);
    `rebuild`: keep no page (web.page_cache), so every request reads and renders the whole page."""
    from web.app import create_app
    from web.deps import WebDeps
    from web.page_cache import PageCache

    app = create_app(WebDeps(settings=_settings(str(db.engine.url), 8000), db=db, links=LinkSigner((KEY,))))
    if rebuild:
        app.state.page_cache = PageCache(max_pages=0)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000") as c:
        (await c.get(f"/d/{token}")).raise_for_status()  # warm: templates compiled, statements cached
        start = time.perf_counter()
        for _ in range(requests):
            (await c.get(f"/d/{token}")).raise_for_status()
        return (time.perf_counter() - start) / requests


def profile(workdir: Path, n: int = 200, requests: int = 300) -> str:
    """cProfile of `requests` sequential dashboard GETs (all threads), as text: where a request's time goes."""
    from bench.profiling import all_threads

    db, big, _little = _populate(workdir, n, min(20, n))
    token = LinkSigner((KEY,)).dashboard_token(big, db.clock.now())
    plain = asyncio.run(_sequential(db, token, requests))
    out = io.StringIO()
    with all_threads(out):
        profiled = asyncio.run(_sequential(db, token, requests))
    db.engine.dispose()
    return (f"dashboard, {n} tasks: {plain * 1000:.2f} ms per request one at a time "
            f"({profiled * 1000:.2f} ms under the profiler), {requests} requests\n{out.getvalue()}")


def _warm(url: str, workers: int) -> None:
    """A few requests on fresh connections, so that every worker has compiled its templates."""
    for _ in range(4 * workers):
        httpx.get(url, timeout=30).raise_for_status()


def worker_rows(workdir: Path, n: int, connections: int, seconds: int,
                web_workers: tuple[int, ...] = (1, 2, 3)) -> list[Row]:
    """The dashboard on PostgreSQL served by `taskbell web --workers N`, against hello world under
    `uvicorn --workers N`, for each N (none when PostgreSQL is not reachable)."""
    from bench.common import pg_db

    db = pg_db("bench_dashboard_workers")
    if db is None:
        progress("dashboard: PostgreSQL is not reachable; no WEB_WORKERS rows")
        return []
    progress(f"dashboard on PostgreSQL: a person with {n} tasks; WEB_WORKERS={','.join(map(str, web_workers))}")
    db, big, _little = _populate(workdir, n, min(20, n), db)
    token = LinkSigner((KEY,)).dashboard_token(big, db.clock.now())
    url = db.engine.url.render_as_string(hide_password=False)
    db.engine.dispose()
    tool = "wrk" if shutil.which("wrk") else "httpx"
    out: list[Row] = []
    for workers in web_workers:
        results = {}
        for kind in ("app", "hello"):
            server = WorkersServer(url, kind, workers, workdir)
            try:
                target = f"http://127.0.0.1:{server.port}/" + (f"d/{token}" if kind == "app" else "")
                _warm(target, workers)
                progress(f"dashboard: {seconds} s of GET {'/d/{token}' if kind == 'app' else '/ (hello world)'} "
                         f"at {connections} connections, {workers} worker process(es) ({tool})")
                results[kind] = load(target, connections, seconds)
            finally:
                server.stop()
        (rps, _p50, p99, err), (hrps, _hp50, hp99, herr) = results["app"], results["hello"]
        size = f"{n} tasks, c={connections}, {workers} proc"
        out += [
            Row("dashboard on PostgreSQL, WEB_WORKERS", size, rps, "req/s", hrps, f"hello world, {workers} proc",
                f"`taskbell web --workers {workers}` vs {workers} uvicorn processes (SO_REUSEPORT); {tool}; "
                f"errors {err}/{herr}"),
            Row("dashboard on PostgreSQL p99", size, p99, "ms", hp99, f"hello world, {workers} proc", ""),
        ]
    return out


def rows(workdir: Path, n: int = 200, connections: int = 64, seconds: int = 8,
         web_workers: tuple[int, ...] = (1, 2, 3)) -> list[Row]:
    small = min(20, n)
    progress(f"dashboard: a person with {n} tasks (and one with {small})")
    db, big, little = _populate(workdir, n, small)
    signer = LinkSigner((KEY,))
    token_big = signer.dashboard_token(big, db.clock.now())
    token_little = signer.dashboard_token(little, db.clock.now())
    sql_big, sql_little = asyncio.run(_count_statements(db, token_big, token_little))
    kept_ms = asyncio.run(_sequential(db, token_big, 200)) * 1000
    rebuilt_ms = asyncio.run(_sequential(db, token_big, 100, rebuild=True)) * 1000
    db.engine.dispose()
    tool = "wrk" if shutil.which("wrk") else "httpx"
    results = {}
    for kind in ("app", "hello"):
        server = Server(str(db.engine.url), kind)
        try:
            url = f"http://127.0.0.1:{server.port}/" + (f"d/{token_big}" if kind == "app" else "")
            httpx.get(url).raise_for_status()
            progress(f"dashboard: {seconds} s of GET {'/d/{token}' if kind == 'app' else '/ (hello world)'} "
                     f"at {connections} connections ({tool})")
            results[kind] = load(url, connections, seconds)
        finally:
            server.stop()
    (rps, p50, p99, err), (hrps, hp50, hp99, herr) = results["app"], results["hello"]
    size = f"{n} tasks, c={connections}"
    return [
        Row("dashboard GET /d/{token}", size, rps, "req/s", hrps, "hello-world Starlette",
            f"uvicorn, 1 process; load by {tool}; errors {err}/{herr}; the page is kept while its marker "
            "(1 query a request) is unchanged"),
        Row("dashboard p50", size, p50, "ms", hp50, "hello-world Starlette", ""),
        Row("dashboard p99", size, p99, "ms", hp99, "hello-world Starlette", ""),
        Row("dashboard one at a time, page rebuilt", f"{n} tasks", rebuilt_ms, "ms", kept_ms,
            "page kept, marker checked", "in-process, no load: a changed page (or a first view) against an "
            "unchanged one; under the load above nearly every request is the latter"),
        Row("dashboard SQL statements", f"{n} tasks", float(sql_big), "stmts", float(sql_little),
            f"same page, {small} tasks", "per request, counted with before_cursor_execute: bounded if ratio = 1"),
        *worker_rows(workdir, n, connections, seconds, web_workers),
    ]
