"""Where the application keeps its files on this PC.

The desk's data belongs to the machine, not to whoever is logged in to Windows: a reception PC often
has several Windows accounts, and each must see the same embedded database, desk settings, replica,
logs and backups. On Windows that is `%ProgramData%\\Reception` (the installer creates it and lets the
group Users modify it); elsewhere the user's data directory from platformdirs (our desks are Windows
PCs; a Linux or macOS machine is a developer's). `RECEPTION_DATA_DIR` overrides both (tests, or an IT
person who wants the data on another disk). See docs/decisions/installation.md.
"""
from __future__ import annotations

import os
import sys
from pathlib import Path

import platformdirs

APP = "reception"


def machine_data_dir(platform: str | None = None, environ: os._Environ | dict | None = None) -> Path:
    """The machine-wide data folder for this operating system."""
    platform = platform or sys.platform
    environ = os.environ if environ is None else environ
    if platform == "win32":
        return Path(environ.get("PROGRAMDATA") or r"C:\ProgramData") / "Reception"
    return Path(platformdirs.user_data_dir(APP, appauthor=False))


def user_data_dir() -> Path:
    """The desk's data folder (machine-wide on Windows; the name is kept from when it was per user)."""
    override = os.environ.get("RECEPTION_DATA_DIR")
    return Path(override) if override else machine_data_dir()


def user_log_dir() -> Path:
    override = os.environ.get("RECEPTION_DATA_DIR")
    if override:
        return Path(override) / "logs"
    if sys.platform == "win32":
        return machine_data_dir() / "logs"
    return Path(platformdirs.user_log_dir(APP, appauthor=False))


def embedded_db_path(demo: bool = False) -> Path:
    return user_data_dir() / ("demo.db" if demo else "reception.db")


def backup_dir() -> Path:
    return user_data_dir() / "säkerhetskopior"
