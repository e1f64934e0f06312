"""cProfile across threads: the route's own coroutine and the worker threads it hands its reads to."""

from __future__ import annotations

import contextlib
import cProfile
import io
import pstats
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def all_threads(out: io.StringIO, top: int = 30) -> Iterator[None]:
    """Profile the calling thread and every thread started inside the block; write the top `top` functions
    by own time and by cumulative time to `out`."""
    profiles: list[cProfile.Profile] = []
    lock = threading.Lock()

    def start(*_args: object) -> None:  # the first event of a new thread: give it a profile of its own
        profile = cProfile.Profile()
        with lock:
            profiles.append(profile)
        sys.setprofile(None)
        profile.enable()

    main = cProfile.Profile()
    threading.setprofile(start)
    main.enable()
    try:
        yield
    finally:
        main.disable()
        threading.setprofile(None)  # type: ignore[arg-type]
        stats = pstats.Stats(main, stream=out)
        with lock:
            for profile in profiles:
                with contextlib.suppress(TypeError, ValueError):  # a thread still running: skip it
                    stats.add(profile)
        stats.sort_stats("tottime").print_stats(top)
        stats.sort_stats("cumulative").print_stats(top)
