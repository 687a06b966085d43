"""Writing a file the desk opens (a document, an invoice PDF) and opening it with the PC's program."""
from __future__ import annotations

import os
import re
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices


def open_with_desktop(path: Path) -> bool:
    """Open a file in the program the PC uses for its kind (PDF reader, ...)."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


def write_file(path: Path, content: bytes) -> Path:
    """Write atomically (a half-written file is never opened)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(content)
    os.replace(tmp, path)
    return path


def safe_file_name(name: str, fallback: str = "dokument") -> str:
    """A file name that is safe on Windows and Linux: letters (å, ä, ö too), digits, '.', '-', '_'."""
    cleaned = re.sub(r"[^\w.\-]+", "_", name.strip(), flags=re.UNICODE).strip("._")
    if not cleaned:
        return fallback
    stem, dot, suffix = cleaned.rpartition(".")
    if dot and len(suffix) <= 10 and len(cleaned) > MAX_FILE_NAME:
        return stem[:MAX_FILE_NAME - len(suffix) - 1] + "." + suffix
    return cleaned[:MAX_FILE_NAME]


MAX_FILE_NAME = 100
