"""Desks starting together on a fresh (or just updated) PostgreSQL database: one upgrades, the others
wait under the advisory lock and find the work done — no UniqueViolation, no double reference data."""
from __future__ import annotations

import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_SERVER_URL

ROOT = Path(__file__).resolve().parents[2]
START = """
import sys, time
from app.clock import Clock
from app.main import open_core
while time.time() < float(sys.argv[2]):  # all desks leave the starting line together
    time.sleep(0.005)
open_core(sys.argv[1], Clock()).engine.dispose()
print("started")
"""


@pytest.mark.pg
def test_five_desks_starting_at_once_on_a_fresh_database_all_start(tmp_path):
    name = f"reception_start_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(PG_SERVER_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG_SERVER_URL).set(database=name).render_as_string(hide_password=False)
    try:
        import time

        go = time.time() + 3.0
        env = {**os.environ, "RECEPTION_DATA_DIR": str(tmp_path)}
        desks = [subprocess.Popen([sys.executable, "-c", START, url, str(go)], cwd=ROOT, env=env,
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(5)]
        results = []
        for p in desks:
            out, err = p.communicate(timeout=120)
            results.append((p.returncode, out, err))
        for code, out, err in results:
            assert code == 0 and "started" in out, err[-2000:]
        engine = create_engine(url)
        with engine.connect() as conn:
            roles = conn.execute(text("SELECT name, count(*) FROM roles GROUP BY name")).all()
            counters = conn.execute(text("SELECT name, count(*) FROM counters GROUP BY name")).all()
            versions = conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one()
        engine.dispose()
        assert roles and all(n == 1 for _, n in roles)
        assert counters and all(n == 1 for _, n in counters)
        assert versions == 1
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
