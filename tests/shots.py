"""Where tests save the pictures they take: a temporary folder of the test session, never the
repository (docs/screenshots is made on purpose by tools/screenshots.py)."""
from __future__ import annotations

from pathlib import Path

DIR: Path | None = None  # set by the session fixture in tests/conftest.py


def path(name: str) -> Path:
    if DIR is None:
        raise RuntimeError("tests.shots.DIR is set by the screenshot_dir fixture in tests/conftest.py")
    DIR.mkdir(parents=True, exist_ok=True)
    return DIR / name
