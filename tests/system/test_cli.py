"""The command line as a process: a bad setting is one line on stderr, no traceback."""

from __future__ import annotations

import subprocess
import sys

KEY = "k" * 32


def test_cli_reports_bad_setting_in_one_line_without_traceback(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "taskbell.cli", "migrate"], cwd=tmp_path, capture_output=True, text=True,
        env={"PATH": "/usr/bin:/bin", "SECRET_KEYS": KEY, "TIMEZONE": "Nowhere/Land"}, timeout=60,
    )
    assert proc.returncode == 2
    assert proc.stderr.strip().count("\n") == 0
    assert "TIMEZONE" in proc.stderr and "Traceback" not in proc.stderr
