"""Where things are, wherever a test file lives: the repository root and the README's screenshots."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Screenshots for the README are refreshed only when asked: TASKBELL_ARTEFACTS=1 make test
ARTEFACTS = ROOT / "tests" / "artefacts"


def artefacts_or(fallback: Path) -> Path:
    """The README's screenshot folder when TASKBELL_ARTEFACTS is set, else `fallback`."""
    return ARTEFACTS if os.environ.get("TASKBELL_ARTEFACTS") else fallback
