"""The embedded desk syncs the WAL at every commit (synchronous=FULL): a finished Slutför survives a
power cut. The replica of a shared desk is a cache and may use NORMAL."""
from sqlalchemy import text

from db.engine import make_engine, sqlite_url


def test_embedded_database_commits_with_synchronous_full(tmp_path):
    engine = make_engine(sqlite_url(tmp_path / "desk.db"))
    with engine.connect() as conn:
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # 2 = FULL, 1 = NORMAL
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()
