"""Logging to a rotating file in the user log directory, with personal numbers masked."""
from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from app.masking import mask


class MaskingFilter(logging.Filter):
    """Masks personnummer and account numbers in every record, whatever logger wrote it."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the record
            message = str(record.msg)
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        return True


def setup_logging(log_dir: Path, level: int = logging.INFO) -> Path:
    log_dir.mkdir(parents=True, exist_ok=True)
    path = log_dir / "reception.log"
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(MaskingFilter())
    root = logging.getLogger()
    root.setLevel(level)
    for old in [h for h in root.handlers if getattr(h, "_reception", False)]:
        root.removeHandler(old)
        old.close()
    handler._reception = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    return path


def log_files() -> list[Path]:
    """This desk's log files (the current one and its rotated copies)."""
    files: list[Path] = []
    for handler in logging.getLogger().handlers:
        if getattr(handler, "_reception", False) and isinstance(handler, logging.FileHandler):
            base = Path(handler.baseFilename)
            files += sorted(p for p in base.parent.glob(base.name + "*") if p.is_file())
    return files


def scrub_log_files(values: list[str], replacement: str) -> int:
    """Replace a person's data in this desk's log files (after Anonymisera); returns the files changed.

    Logs are masked already (personnummer, accounts), but a name or an e-mail address in an error
    message would otherwise survive the erasure. Other desks' log files are out of reach; the app's own
    log lines carry ids, not names (docs/decisions/security.md, "Personuppgifter (GDPR)")."""
    changed = 0
    for path in log_files():
        try:
            text = path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        new = text
        for value in values:
            new = new.replace(value, replacement)
            masked = mask(value)
            if masked != value:
                new = new.replace(masked, replacement)
        if new != text:
            path.write_text(new, encoding="utf-8")
            changed += 1
    return changed
