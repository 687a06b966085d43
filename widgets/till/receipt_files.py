"""Where a paid order's receipt PDF is written: <user data>/kvitton/kvitto-<ordernummer>.pdf."""
from __future__ import annotations

import os
from pathlib import Path


RECEIPT_DIR = "kvitton"


def receipt_path(user_data_dir: Path, order_number: int) -> Path:
    return Path(user_data_dir) / RECEIPT_DIR / f"kvitto-{order_number}.pdf"


def write_receipt_file(user_data_dir: Path, order_number: int, pdf: bytes) -> Path:
    """Write atomically: a half-written receipt never has the final name."""
    path = receipt_path(user_data_dir, order_number)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".pdf.tmp")
    tmp.write_bytes(pdf)
    os.replace(tmp, path)
    return path
