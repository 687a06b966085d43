"""Regenerate the single initial migration from db/models.py (pre-release only).

Until the first release ships, the schema is one migration. After that, add new
revisions with `alembic revision --autogenerate` instead of running this.
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from alembic import command  # noqa: E402
from sqlalchemy import create_engine  # noqa: E402

from db.migrate import MIGRATIONS, alembic_config  # noqa: E402

for old in (MIGRATIONS / "versions").glob("*.py"):
    old.unlink()
with tempfile.TemporaryDirectory() as tmp:
    engine = create_engine(f"sqlite:///{tmp}/empty.db")
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.revision(cfg, message="initial schema", autogenerate=True, rev_id="0001")
print("wrote", *sorted(p.name for p in (MIGRATIONS / "versions").glob("*.py")))
