"""`python -m bench`: every benchmark row, one table, saved to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from bench.common import Row, print_table

NOTES_MARKER = "<!-- notes: kept across runs -->"
ROW_NAMES = {1: "fan-out", 2: "delivery", 3: "buttons", 4: "dashboard", 5: "scheduler scans",
             6: "attendance", 7: "memory", 8: "wake-up latency", 9: "queue and metrics",
             10: "scale-out delivery", 11: "student risk", 12: "engagement model", 13: "mixed soak",
             14: "buttons via WEB_WORKERS"}


def machine() -> str:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, {platform.python_implementation()} "
            f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d %H:%M} UTC")


def _ints(text: str) -> tuple[int, ...]:
    return tuple(int(s) for s in text.split(",") if s.strip())


def _pairs(text: str) -> tuple[tuple[int, int], ...]:
    """"300x30,600x300" -> ((300, 30), (600, 300)): N notifications at limit L."""
    return tuple((int(a), int(b)) for a, b in (p.split("x") for p in text.split(",") if p.strip()))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--rows", default="1,2,3,4,5,6,7,8,9,10,11,12,13,14",
                   help="rows to run, comma-separated: " + ", ".join(f"{k} {v}" for k, v in ROW_NAMES.items()))
    p.add_argument("--quick", action="store_true", help="small sizes everywhere (a smoke run, under a minute or two)")
    p.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    p.add_argument("--profile", action="store_true",
                   help="rows 4 and 3: print a cProfile (all threads) of sequential dashboard requests (row 4) and of "
                        "the Start presses (row 3), then the rows")
    g = p.add_argument_group("sizes (defaults; --quick picks smaller ones unless given)")
    g.add_argument("--sizes", help="row 1: fan-out sizes, comma-separated [1000,10000]")
    g.add_argument("--delivery", help="row 2: NxL pairs, N notifications to N chats at L msg/s [300x30,600x300]")
    g.add_argument("--buttons", type=int, help="row 3: K people pressing Start then Complete [200]")
    g.add_argument("--in-flight", type=int, default=100, help="row 3: people pressing at once [100]")
    g.add_argument("--dashboard-tasks", type=int, help="row 4: tasks of the person [200]")
    g.add_argument("--connections", type=int, default=64, help="row 4: concurrent connections [64]")
    g.add_argument("--seconds", type=int, help="row 4: seconds of load per server [8]")
    g.add_argument("--scan-tasks", type=int, help="row 5: tasks in the reminder scan [100000]")
    g.add_argument("--sessions", type=int, help="row 5: class sessions for auto_close [10000]")
    g.add_argument("--sheets", type=int, help="row 6: 60-student sheets submitted [40]")
    g.add_argument("--memory-tasks", type=int, help="row 7: tasks fanned out into `taskbell run` [10000]")
    g.add_argument("--settle", type=float, help="row 7: seconds to wait after the fan-out [20]")
    g.add_argument("--queue-items", type=int, help="row 9: open tickets and tasks in the queue [100000]")
    g.add_argument("--risk-students", type=int, help="row 11: students in the nightly risk recompute [5000]")
    g.add_argument("--scaleout", type=int, help="row 10: notifications through 1, 2, 3 bot processes [600]")
    g.add_argument("--engagement-people", type=int, help="row 12: people with a task history [10000]")
    g.add_argument("--engagement-tasks", type=int, help="row 12: tasks of history in all [100000]")
    g.add_argument("--soak-seconds", type=float, help="row 13: seconds of mixed load on `taskbell run` [600]")
    g.add_argument("--wakeups", type=int, help="row 8: notifications committed one at a time while idle [40]")
    return p


def pick(given: object, full: object, quick: object, is_quick: bool) -> object:
    return given if given is not None else (quick if is_quick else full)


def plan(args: argparse.Namespace, workdir: Path) -> dict[int, Callable[[], list[Row]]]:
    from bench import (
        attendance,
        buttons,
        buttons_workers,
        dashboard,
        delivery,
        engagement,
        fanout,
        memory,
        queue,
        risk,
        scaleout,
        scan,
        soak,
        wakeup,
    )

    q = args.quick
    return {
        1: lambda: fanout.rows(workdir, _ints(pick(args.sizes, "1000,10000", "1000", q))),  # type: ignore[arg-type]
        2: lambda: delivery.rows(workdir, _pairs(pick(args.delivery, "300x30,600x300", "60x30,150x300", q))),  # type: ignore[arg-type]
        3: lambda: buttons.rows(workdir, pick(args.buttons, 200, 20, q), args.in_flight),  # type: ignore[arg-type]
        4: lambda: dashboard.rows(workdir, pick(args.dashboard_tasks, 200, 200, q), args.connections,  # type: ignore[arg-type]
                                  pick(args.seconds, 8, 2, q)),  # type: ignore[arg-type]
        5: lambda: scan.rows(workdir, pick(args.scan_tasks, 100_000, 10_000, q),  # type: ignore[arg-type]
                             pick(args.sessions, 10_000, 1_000, q)),  # type: ignore[arg-type]
        6: lambda: attendance.rows(workdir, 60, pick(args.sheets, 40, 8, q)),  # type: ignore[arg-type]
        7: lambda: memory.rows(workdir, pick(args.memory_tasks, 10_000, 2_000, q),  # type: ignore[arg-type]
                               pick(args.settle, 20.0, 5.0, q)),  # type: ignore[arg-type]
        8: lambda: wakeup.rows(workdir, pick(args.wakeups, 40, 10, q)),  # type: ignore[arg-type]
        9: lambda: queue.rows(workdir, pick(args.queue_items, 100_000, 10_000, q)),  # type: ignore[arg-type]
        11: lambda: risk.rows(workdir, pick(args.risk_students, 5_000, 500, q)),  # type: ignore[arg-type]
        10: lambda: scaleout.rows(workdir, pick(args.scaleout, 600, 120, q)),  # type: ignore[arg-type]
        12: lambda: engagement.rows(workdir, pick(args.engagement_people, 10_000, 1_000, q),  # type: ignore[arg-type]
                                    pick(args.engagement_tasks, 100_000, 10_000, q)),  # type: ignore[arg-type]
        14: lambda: buttons_workers.rows(workdir, pick(args.buttons, 200, 20, q), args.in_flight),  # type: ignore[arg-type]
        13: lambda: soak.rows(workdir, pick(args.soak_seconds, 600.0, 60.0, q)),  # type: ignore[arg-type]
    }


def main(argv: list[str] | None = None) -> int:
    warnings.filterwarnings("ignore", module="telegram")
    warnings.filterwarnings("ignore", message=".*per_message.*")
    args = parser().parse_args(argv)
    chosen = _ints(args.rows)
    if unknown := [r for r in chosen if r not in ROW_NAMES]:
        parser().error(f"unknown rows {unknown}; choose from {sorted(ROW_NAMES)}")
    rows: list[Row] = []
    started = time.perf_counter()
    print(f"machine: {machine()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="taskbell-bench-") as tmp:
        workdir = Path(tmp)
        runs = plan(args, workdir)
        if args.profile:  # the rows chosen that have a profile (4: the dashboard, 3: the buttons)
            from bench import buttons, dashboard

            if 4 in chosen:
                print(dashboard.profile(workdir, pick(args.dashboard_tasks, 200, 200, args.quick)), flush=True)  # type: ignore[arg-type]
            if 3 in chosen:
                print(buttons.profile(workdir, pick(args.buttons, 200, 20, args.quick), args.in_flight), flush=True)  # type: ignore[arg-type]
        for number in chosen:
            print(f"row {number}: {ROW_NAMES[number]}", flush=True)
            t = time.perf_counter()
            try:
                rows += runs[number]()
            except Exception as exc:  # one broken row must not hide the others
                traceback.print_exc()
                rows.append(Row(ROW_NAMES[number], "-", float("nan"), "", note=f"FAILED: {exc!r}"[:200]))
            print(f"row {number}: done in {time.perf_counter() - t:.1f} s", flush=True)
    print(f"total {time.perf_counter() - started:.0f} s", flush=True)
    table = print_table(rows)
    if not args.no_save:
        save(table, chosen, args)
    return 0


def save(table: str, chosen: tuple[int, ...], args: argparse.Namespace) -> None:
    from bench import scan

    path = Path(__file__).with_name("RESULTS.md")
    notes = ""
    if path.exists() and NOTES_MARKER in (old := path.read_text()):
        notes = old.split(NOTES_MARKER, 1)[1].lstrip("\n")
    plans = scan.plans_markdown()
    text = (f"# Benchmark results\n\nMachine: {machine()}. A shared 2-core machine: other work ran at the "
            f"same time, so expect noise of tens of percent between runs.\n\n"
            f"Run with `make bench` (or `python -m bench`; `--rows 1,2,5`, `--quick`, `--help` for sizes). "
            f"Rows run: {','.join(map(str, chosen))}{' (--quick)' if args.quick else ''}. "
            f"Ratio = figure / baseline measured in the same run (for times lower is better, for rates "
            f"higher is better; for delivery the ratio is the share of the limit).\n\n{table}\n")
    if plans:
        text += f"\n## EXPLAIN QUERY PLAN (SQLite) of the scans' main queries\n\n{plans}"
    text += f"\n{NOTES_MARKER}\n\n{notes}"
    path.write_text(text)
    print(f"saved {path}", flush=True)


if __name__ == "__main__":
    raise SystemExit(main())
