"""`taskbell web` with WEB_WORKERS=N > 1: one listening socket, N worker processes serving it.

The parent binds WEB_HOST:WEB_PORT (one SO_REUSEPORT socket per worker, so the kernel spreads connections
evenly) and starts N children (`taskbell web --listen-fd FD --worker I`), each a fresh interpreter that builds its own container (database engine, event loop, bot handlers in
webhook mode) and serves the inherited socket with uvicorn. The parent forwards SIGTERM/SIGINT to the
children, waits for them and exits 0; a child that dies while not stopping is started again (logged),
with a growing pause when it keeps dying at once. A child that exits with a configuration error (2)
stops the whole group: starting it again would fail the same way.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass

from adapters.settings import Settings
from domain.errors import ConfigError

log = logging.getLogger("taskbell.web_workers")
STOP_TIMEOUT = 30.0  # seconds the children get to finish their requests before they are killed
QUICK_DEATH = 10.0  # a child that dies sooner than this after its start counts as a crash loop
MAX_PAUSE = 30.0
CONFIG_ERROR = 2
PR_SET_PDEATHSIG = 1  # <sys/prctl.h>
# exit codes of a worker that was asked to stop: it stopped, or the signal came before its handlers were set
STOPPED_CLEANLY = (0, -signal.SIGTERM, -signal.SIGINT, 130)


def bind(settings: Settings, workers: int) -> list[socket.socket]:
    """One listening socket per worker on WEB_HOST:WEB_PORT, bound here (inheritable: each child gets its
    own by its fd). With SO_REUSEPORT the kernel spreads new connections evenly over the sockets; one
    socket shared by every worker would let the first worker to wake accept a whole burst (64 keep-alive
    connections opened at once all went to one worker). Without SO_REUSEPORT the workers share one."""
    family = socket.AF_INET6 if ":" in settings.web_host else socket.AF_INET
    reuse_port = hasattr(socket, "SO_REUSEPORT")
    socks: list[socket.socket] = []
    port = settings.web_port
    try:
        for _ in range(workers if reuse_port else 1):
            sock = socket.socket(family, socket.SOCK_STREAM)
            socks.append(sock)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if reuse_port:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
            # accepted connections inherit it: uvloop sets it on sockets it binds itself, not on given ones
            # (without it each response waited ~40 ms for a delayed ACK: hello world 1,430 req/s, not 5,300)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.bind((settings.web_host, port))
            port = sock.getsockname()[1]  # WEB_PORT=0: the port the first socket got, for the others too
            sock.listen(2048)
            sock.set_inheritable(True)
    except OSError as exc:
        for sock in socks:
            sock.close()
        raise ConfigError(f"WEB_HOST/WEB_PORT: the web app cannot listen on {settings.web_host}:"
                          f"{settings.web_port} ({exc.strerror or exc})") from None
    return socks


def _die_with_parent() -> None:
    """In the child before exec (Linux): SIGTERM when the parent dies, even by SIGKILL (no orphan workers)."""
    if sys.platform == "linux":
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


@dataclass
class _Worker:
    index: int
    proc: subprocess.Popen[bytes] | None = None
    started: float = 0.0
    quick_deaths: int = 0
    restart_at: float = 0.0


class Supervisor:
    """Starts, watches and stops the worker processes on the parent's listening sockets."""

    def __init__(self, socks: list[socket.socket], workers: int, *, verbose: bool = False) -> None:
        self.socks = socks
        self.workers = [_Worker(i) for i in range(1, workers + 1)]
        self.verbose = verbose
        self.stopping = threading.Event()
        self.config_error = False

    def _start(self, worker: _Worker) -> None:
        """Start the worker's process on its socket (kept here: connections wait in it across a restart)."""
        fd = self.socks[(worker.index - 1) % len(self.socks)].fileno()
        worker.proc = subprocess.Popen([sys.executable, "-m", "taskbell.cli", *(["-v"] if self.verbose else []),
                                        "web", "--listen-fd", str(fd), "--worker", str(worker.index)],
                                       pass_fds=(fd,), preexec_fn=_die_with_parent)
        worker.started = time.monotonic()
        log.info("web worker %d started (pid %d)", worker.index, worker.proc.pid)

    def _reap(self, worker: _Worker) -> None:
        """A child that ended while not stopping: restart it (a pause when it keeps dying at once)."""
        assert worker.proc is not None
        code = worker.proc.returncode
        how = f"signal {-code}" if code < 0 else f"exit code {code}"
        worker.proc = None
        if code == CONFIG_ERROR:
            log.error("web worker %d stopped on a configuration error (%s); stopping the others", worker.index, how)
            self.config_error = True
            self.stopping.set()
            return
        lived = time.monotonic() - worker.started
        worker.quick_deaths = worker.quick_deaths + 1 if lived < QUICK_DEATH else 0
        pause = min(MAX_PAUSE, 0.5 * 2 ** worker.quick_deaths) if worker.quick_deaths else 0.0
        worker.restart_at = time.monotonic() + pause
        log.warning("web worker %d ended unexpectedly (%s) after %.1f s; restarting%s", worker.index, how,
                    lived, f" in {pause:.1f} s" if pause else "")

    def _signal(self, signum: int, _frame: object) -> None:
        if not self.stopping.is_set():
            log.info("stopping %d web workers (%s)", len(self.workers), signal.Signals(signum).name)
        self.stopping.set()

    def run(self) -> int:
        """Run until SIGTERM/SIGINT; 0 when every child then exits cleanly."""
        previous = {sig: signal.signal(sig, self._signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            for worker in self.workers:
                self._start(worker)
            while not self.stopping.wait(0.2):
                for worker in self.workers:
                    if worker.proc is not None and worker.proc.poll() is not None:
                        self._reap(worker)
                    if worker.proc is None and not self.stopping.is_set() and time.monotonic() >= worker.restart_at:
                        self._start(worker)
            return self._stop()
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for sock in self.socks:
                sock.close()

    def _stop(self) -> int:
        running = [w for w in self.workers if w.proc is not None and w.proc.poll() is None]
        for worker in running:
            assert worker.proc is not None
            worker.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        clean = not self.config_error
        for worker in self.workers:
            if worker.proc is None:
                continue
            try:
                code = worker.proc.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                log.error("web worker %d did not stop within %.0f s; killing it", worker.index, STOP_TIMEOUT)
                worker.proc.kill()
                code = worker.proc.wait()
            if code not in STOPPED_CLEANLY and worker in running:
                log.error("web worker %d exited with code %d", worker.index, code)
                clean = False
        log.info("web workers stopped")
        return 0 if clean else (CONFIG_ERROR if self.config_error else 1)


def run_workers(settings: Settings, workers: int, *, verbose: bool = False) -> int:
    """Check the schema once, bind once, then supervise `workers` processes serving the socket."""
    from taskbell.container import Container
    from taskbell.runner import prepare

    container = Container.build(settings)
    try:
        prepare(container, demo=False, bootstrap_db=False)  # fail fast, before any child is started
    finally:
        container.close()
    if settings.is_sqlite:
        log.warning("WEB_WORKERS=%d on SQLite: writes from the workers queue for one file lock; use "
                    "PostgreSQL for several web workers", workers)
    socks = bind(settings, workers)
    host, port = socks[0].getsockname()[:2]
    log.info("web app on http://%s:%s in %d worker processes (parent pid %d)", host, port, workers, os.getpid())
    return Supervisor(socks, workers, verbose=verbose).run()


def inherited_socket(fd: int) -> socket.socket:
    """The parent's listening socket, in a worker."""
    return socket.socket(fileno=fd)
