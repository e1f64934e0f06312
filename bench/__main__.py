"""`python -m bench`: every benchmark row, one table, saved to bench/RESULTS.md."""

from __future__ import annotations

import argparse
import os
import platform
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from bench import fanout
from bench.common import print_table


def machine() -> str:
    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return (f"{os.cpu_count()} cores, {mem_kb / 1024 / 1024:.0f} GiB, {platform.python_implementation()} "
            f"{platform.python_version()}, {datetime.now(UTC):%Y-%m-%d}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="1000,10000", help="fan-out sizes, comma-separated")
    parser.add_argument("--no-save", action="store_true", help="do not write bench/RESULTS.md")
    args = parser.parse_args(argv)
    sizes = tuple(int(s) for s in args.sizes.split(","))
    with tempfile.TemporaryDirectory() as tmp:
        print(f"machine: {machine()}", flush=True)
        rows = fanout.rows(Path(tmp), sizes)
    table = print_table(rows)
    if not args.no_save:
        Path(__file__).with_name("RESULTS.md").write_text(
            f"# Benchmark results\n\nMachine: {machine()}\n\nRun with `make bench` "
            f"(or `python -m bench`). Ratio = figure / baseline (lower is better for times).\n\n{table}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
