"""Where the application keeps its files on this PC (platformdirs)."""
from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "reception"


def user_data_dir() -> Path:
    override = os.environ.get("RECEPTION_DATA_DIR")
    return Path(override) if override else Path(platformdirs.user_data_dir(APP, appauthor=False))


def user_log_dir() -> Path:
    override = os.environ.get("RECEPTION_DATA_DIR")
    return Path(override) / "logs" if override else Path(platformdirs.user_log_dir(APP, appauthor=False))


def embedded_db_path(demo: bool = False) -> Path:
    return user_data_dir() / ("demo.db" if demo else "reception.db")
