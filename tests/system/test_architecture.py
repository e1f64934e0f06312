"""The layers hold: import-linter's contracts from pyproject.toml, run as a test."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CONTRACTS = 9  # the [[tool.importlinter.contracts]] in pyproject.toml
MAX_LINES = 420  # "modules under ~400 lines"; the sandbox (a product of its own) and the tests are exempt
EXEMPT = {"tgsandbox", "tests"}
KNOWN_OVER: set[str] = set()  # modules allowed over the limit: none


def test_import_contracts_are_kept():
    lint_imports = Path(sys.executable).parent / "lint-imports"
    proc = subprocess.run([str(lint_imports), "--no-cache"], cwd=ROOT, capture_output=True, text=True,
                          timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"Contracts: {CONTRACTS} kept, 0 broken" in proc.stdout
    assert "Warnings" not in proc.stdout, proc.stdout  # e.g. an ignored import that no longer exists
    declared = re.findall(r"^\[\[tool\.importlinter\.contracts\]\]$", (ROOT / "pyproject.toml").read_text(),
                          flags=re.MULTILINE)
    assert len(declared) == CONTRACTS


def _modules() -> list[Path]:
    parts = {p: p.relative_to(ROOT).parts for p in ROOT.rglob("*.py")}
    return sorted(p for p, names in parts.items()
                  if names[0] not in EXEMPT and not any(name.startswith(".") for name in names))


def test_no_module_outside_the_sandbox_and_tests_is_over_the_limit():
    modules = _modules()
    assert ROOT / "domain" / "ops" / "backups.py" in modules and ROOT / "healthcheck.py" in modules
    over = {str(p.relative_to(ROOT)): n for p in modules
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert set(over) <= KNOWN_OVER, f"modules over {MAX_LINES} lines: {over}"


def test_nothing_is_built_at_import_time():
    code = ("import domain.models, domain.tasks.services, taskbell.cli, taskbell.container, bootstrap, "
            "healthcheck; import gc; from sqlalchemy import Engine; "
            "print(sum(isinstance(o, Engine) for o in gc.get_objects()))")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "0"


def _surface(cls: type) -> dict[str, object]:
    """Public methods (with their parameter names) and attributes a class or protocol declares."""
    import inspect

    names = {n for n in dir(cls) if not n.startswith("_")} | set(getattr(cls, "__annotations__", {}))
    return {n: list(inspect.signature(getattr(cls, n)).parameters) if callable(getattr(cls, n, None)) else "attr"
            for n in names}


def test_the_adapters_implement_the_ports_the_domain_defines():
    from adapters.attachments import FileAttachments
    from adapters.backup_files import PgDumpFiles, SqliteFiles
    from adapters.google_sheets import GoogleSheets, _Spreadsheet, _Worksheet
    from domain import files
    from domain.ops import ports

    pairs = [(ports.BackupStore, SqliteFiles), (ports.BackupStore, PgDumpFiles),
             (ports.SpreadsheetSink, GoogleSheets), (ports.Spreadsheet, _Spreadsheet),
             (ports.Worksheet, _Worksheet), (files.AttachmentStore, FileAttachments)]
    for port, adapter in pairs:
        want, have = _surface(port), _surface(adapter)
        assert want, port
        for name, shape in want.items():
            assert name in have or hasattr(adapter, name), f"{adapter.__name__} lacks {name}"
            if shape != "attr":
                assert have[name] == shape, f"{adapter.__name__}.{name}{have[name]} is not {port.__name__}'s"
