"""Hjälp > Skapa felrapport / `reception report`: one zip for whoever helps the club.

It holds the (masked) logs, the versions of the app, Python, Qt and every installed distribution, the
desk settings without secrets, the database kind and schema version, and the last crash's traceback.
Everything that goes in passes `mask()` again (personnummer, account and card numbers) and every
setting whose name speaks of a password or a key is left out, as is the password part of a URL.
"""
from __future__ import annotations

import json
import platform
import re
import sys
import zipfile
from collections.abc import Mapping
from datetime import datetime
from importlib import metadata
from pathlib import Path

from sqlalchemy.engine import make_url

from app.masking import mask
from app.version import VERSION

SECRET_KEY = re.compile(r"pass|lösen|secret|token|key|nyckel", re.IGNORECASE)
CRASH_FILE = "senaste-krasch.txt"
MAX_LOG_BYTES = 5_000_000


def _clean_url(value: str) -> str:
    try:
        return make_url(value).render_as_string(hide_password=True)
    except Exception:  # not a URL: drop anything that looks like user:password@
        return re.sub(r"//[^/@]*@", "//***@", value)


def clean_settings(settings: Mapping[str, object]) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in settings.items():
        if SECRET_KEY.search(key):
            continue
        text = str(value)
        if "://" in text:
            text = _clean_url(text)
        out[key] = mask(text)
    return out


def versions(extra: Mapping[str, str] | None = None) -> dict[str, object]:
    dists = sorted({(d.metadata["Name"] or "?", d.version) for d in metadata.distributions()},
                   key=lambda nv: nv[0].lower())
    return {
        "reception": VERSION,
        "python": sys.version,
        "platform": platform.platform(),
        **(dict(extra) if extra else {}),
        "distributions": {name: version for name, version in dists},
    }


def write_report(target: Path, *, log_dir: Path, data_dir: Path, desk_settings: Mapping[str, object],
                 database: Mapping[str, str], now: datetime, extra_versions: Mapping[str, str] | None = None) -> Path:
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("versioner.json", json.dumps(versions(extra_versions), ensure_ascii=False, indent=2))
        zf.writestr("datorns-installningar.json",
                    json.dumps(clean_settings(desk_settings), ensure_ascii=False, indent=2))
        zf.writestr("databas.json", json.dumps(clean_settings(database), ensure_ascii=False, indent=2))
        for log in sorted(Path(log_dir).glob("*.log*")) if Path(log_dir).is_dir() else []:
            raw = log.read_bytes()[-MAX_LOG_BYTES:]
            zf.writestr(f"loggar/{log.name}", mask(raw.decode("utf-8", errors="replace")))
        crash = Path(data_dir) / CRASH_FILE
        if crash.is_file():
            zf.writestr(CRASH_FILE, mask(crash.read_text(encoding="utf-8", errors="replace")))
        zf.writestr("LASMIG.txt", f"Felrapport från Reception {VERSION}, skapad {now:%Y-%m-%d %H:%M} UTC.\n"
                                  "Personnummer, konto- och kortnummer är maskerade; lösenord ingår inte.\n")
    return target


def save_crash(data_dir: Path, details: str) -> None:
    """Keep the last crash's traceback for the report (masked)."""
    try:
        Path(data_dir).mkdir(parents=True, exist_ok=True)
        (Path(data_dir) / CRASH_FILE).write_text(mask(details), encoding="utf-8")
    except OSError:
        pass  # the log already has it; a full disk must not turn a crash into a second crash
