"""The desk's outbox: routines done while the server is away, kept until the server has run them.

One SQLite file per server database next to the replica (`<replica>.outbox.db`), never inside it:
a damaged replica is deleted and refilled, the outbox is not touched. WAL with `synchronous=FULL`
so a queued command that the receptionist saw as "Köad" survives a power cut. Each entry is the
routine's frozen command as JSON (the same encoding as stored results, `app.routines.results`) with
its `command_id`, the actor who queued it, the person it concerns and a Swedish summary.

States: `queued` (waits for the server) → `sent` (the server ran it; its result is kept) or
`conflict` (the server refused it; the reason is kept, the entered data too) → after a correction
back to `queued`, or `discarded` (with who, when and why; audited on the server). Nothing is ever
deleted: sent entries older than `KEEP_SENT_DAYS` are pruned, conflicts and discards stay.

A full disk rolls the insert back (SQLite's transaction) and becomes `OutboxFull` — never a
half-written command. No Qt here; listeners are called on the thread that changed the outbox.
"""
from __future__ import annotations

import base64
import dataclasses
import json
import logging
import sqlite3
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from app.errors import UserError

log = logging.getLogger("reception.outbox")

KEEP_SENT_DAYS = 30
QUEUED, SENT, CONFLICT, DISCARDED = "queued", "sent", "conflict", "discarded"
STATE_TEXT = {QUEUED: "Köad", SENT: "Skickad", CONFLICT: "Konflikt", DISCARDED: "Kasserad"}

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    command_id TEXT NOT NULL UNIQUE,
    routine TEXT NOT NULL,
    command_type TEXT NOT NULL,
    command TEXT NOT NULL,
    actor TEXT NOT NULL,
    title TEXT NOT NULL,
    summary TEXT NOT NULL,
    person_id INTEGER,
    queued_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'queued',
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    result TEXT,
    sent_at TEXT,
    pulled INTEGER NOT NULL DEFAULT 0,
    discarded_by TEXT NOT NULL DEFAULT '',
    discard_reason TEXT NOT NULL DEFAULT '',
    discarded_at TEXT
);
CREATE INDEX IF NOT EXISTS entries_state ON entries(state, seq);
CREATE INDEX IF NOT EXISTS entries_person ON entries(person_id);
"""


class OutboxFull(UserError):
    title = "Disken är full"


def outbox_full_error(path: Path) -> OutboxFull:
    return OutboxFull(
        "Disken på den här datorn är full – åtgärden kunde inte sparas i kön. Inget sparades och dina "
        f"uppgifter finns kvar. Frigör utrymme på disken ({path.parent}) och försök igen.")


@dataclass(frozen=True)
class Entry:
    seq: int
    command_id: str
    routine: str
    command_type: str
    command: str
    actor: str
    title: str
    summary: str
    person_id: int | None
    queued_at: datetime
    state: str
    attempts: int
    last_error: str
    reason: str
    result: str | None
    sent_at: datetime | None
    pulled: bool
    discarded_by: str
    discard_reason: str
    discarded_at: datetime | None

    @property
    def state_text(self) -> str:
        return STATE_TEXT.get(self.state, self.state)

    @property
    def actor_data(self) -> dict[str, Any]:
        return json.loads(self.actor)

    @property
    def command_data(self) -> Any:
        return json.loads(self.command)

    @property
    def open(self) -> bool:
        """Still the desk's own work the server has not made visible in the replica yet."""
        return self.state in (QUEUED, CONFLICT) or (self.state == SENT and not self.pulled)


def _when(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _entry(row: sqlite3.Row) -> Entry:
    values = dict(row)
    for key in ("queued_at", "sent_at", "discarded_at"):
        values[key] = _when(values[key])
    values["pulled"] = bool(values["pulled"])
    return Entry(**values)


def _is_full(err: sqlite3.Error) -> bool:
    code = getattr(err, "sqlite_errorcode", None)
    return code == sqlite3.SQLITE_FULL or "full" in str(err).lower()


class Outbox:
    """The durable queue of one desk (thread-safe: the UI thread queues, the sync thread replays)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.RLock()
        self._conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=10)
        self._conn.row_factory = sqlite3.Row
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=FULL")
        self._conn.executescript(_SCHEMA)
        self.listeners: list[Callable[[], None]] = []

    @staticmethod
    def path_for(replica_path: Path) -> Path:
        return replica_path.with_name(replica_path.stem + ".outbox.db")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    def subscribe(self, listener: Callable[[], None]) -> Callable[[], None]:
        self.listeners.append(listener)
        return lambda: self.listeners.remove(listener) if listener in self.listeners else None

    def _changed(self) -> None:
        for listener in list(self.listeners):
            try:
                listener()
            except Exception:
                log.exception("Outbox listener failed")

    def _write(self, sql: str, params: tuple = ()) -> sqlite3.Cursor:
        with self._lock:
            try:
                self._conn.execute("BEGIN IMMEDIATE")
                cursor = self._conn.execute(sql, params)
                self._conn.execute("COMMIT")
                return cursor
            except sqlite3.Error as err:
                if self._conn.in_transaction:
                    self._conn.execute("ROLLBACK")
                if _is_full(err):
                    raise outbox_full_error(self.path) from None
                raise

    # -- queueing --------------------------------------------------------------
    def add(self, *, command_id: str, routine: str, command_type: str, command: str, actor: dict[str, Any],
            title: str, summary: str, person_id: int | None, at: datetime) -> Entry:
        """Queue a command; the same command_id queued twice stays one entry."""
        with self._lock:
            if self._conn.execute("SELECT 1 FROM entries WHERE command_id = ?", (command_id,)).fetchone():
                return self.get(command_id)
        self._write(
            "INSERT INTO entries (command_id, routine, command_type, command, actor, title, summary, person_id,"
            " queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (command_id, routine, command_type, command, json.dumps(actor, ensure_ascii=False), title, summary,
             person_id, at.isoformat()))
        log.info("Queued %s (%s) for the server", title, command_id)
        self._changed()
        return self.get(command_id)

    # -- reading ---------------------------------------------------------------
    def get(self, command_id: str) -> Entry:
        with self._lock:
            row = self._conn.execute("SELECT * FROM entries WHERE command_id = ?", (command_id,)).fetchone()
        if row is None:
            raise KeyError(command_id)
        return _entry(row)

    def entries(self, states: tuple[str, ...] | None = None) -> list[Entry]:
        sql, params = "SELECT * FROM entries", ()
        if states:
            sql += f" WHERE state IN ({','.join('?' * len(states))})"
            params = tuple(states)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY seq", params).fetchall()
        return [_entry(r) for r in rows]

    def pending(self) -> list[Entry]:
        return self.entries((QUEUED,))

    def for_person(self, person_id: int) -> list[Entry]:
        with self._lock:
            rows = self._conn.execute("SELECT * FROM entries WHERE person_id = ? ORDER BY seq", (person_id,)).fetchall()
        return [e for e in map(_entry, rows) if e.open]

    def counts(self) -> dict[str, int]:
        with self._lock:
            rows = self._conn.execute("SELECT state, count(*) FROM entries GROUP BY state").fetchall()
        return {state: n for state, n in rows}

    # -- outcome of a replay ------------------------------------------------------
    def mark_sent(self, command_id: str, result: str, at: datetime) -> None:
        self._write("UPDATE entries SET state = 'sent', result = ?, sent_at = ?, attempts = attempts + 1,"
                    " last_error = '', reason = '' WHERE command_id = ?", (result, at.isoformat(), command_id))
        self._changed()

    def mark_conflict(self, command_id: str, reason: str) -> None:
        self._write("UPDATE entries SET state = 'conflict', reason = ?, attempts = attempts + 1 WHERE command_id = ?",
                    (reason, command_id))
        self._changed()

    def mark_attempt_failed(self, command_id: str, error: str) -> None:
        """The connection broke during the replay: the entry stays queued and is tried again."""
        self._write("UPDATE entries SET attempts = attempts + 1, last_error = ? WHERE command_id = ?",
                    (error, command_id))

    def mark_pulled(self, up_to: datetime) -> None:
        """A pull that started after these were sent has brought their effect into the replica."""
        with self._lock:
            cursor = self._write("UPDATE entries SET pulled = 1 WHERE state = 'sent' AND pulled = 0 AND sent_at <= ?",
                                 (up_to.isoformat(),))
        if cursor.rowcount:
            self._changed()

    # -- the user's decisions on a conflict -----------------------------------------
    def resend(self, command_id: str, command: str | None = None) -> None:
        """Queue a conflicting entry again, with the corrected command if one is given."""
        entry = self.get(command_id)
        if entry.state != CONFLICT:
            raise UserError("Bara en åtgärd i konflikt kan skickas igen.")
        self._write("UPDATE entries SET state = 'queued', reason = '', command = ? WHERE command_id = ?",
                    (command if command is not None else entry.command, command_id))
        self._changed()

    def discard(self, command_id: str, *, by: str, reason: str, at: datetime) -> None:
        entry = self.get(command_id)
        if entry.state not in (CONFLICT, QUEUED):
            raise UserError("Den här åtgärden är redan skickad och kan inte kasseras.")
        if not reason.strip():
            raise UserError("Skriv varför åtgärden kasseras.", field="reason")
        cursor = self._write("UPDATE entries SET state = 'discarded', discarded_by = ?, discard_reason = ?,"
                             " discarded_at = ? WHERE command_id = ? AND state IN ('queued', 'conflict')",
                             (by, reason.strip(), at.isoformat(), command_id))
        if not cursor.rowcount:
            raise UserError("Den här åtgärden är redan skickad och kan inte kasseras.")
        self._changed()

    def prune(self, now: datetime) -> int:
        cursor = self._write("DELETE FROM entries WHERE state = 'sent' AND pulled = 1 AND sent_at < ?",
                             ((now - timedelta(days=KEEP_SENT_DAYS)).isoformat(),))
        return cursor.rowcount


def command_json(command: Any) -> str:
    from app.routines.results import dump_result

    return dump_result(command)


def actor_json(actor: Any) -> dict[str, Any]:
    data = dataclasses.asdict(actor)
    data["rights"] = sorted(data["rights"])
    return data


def without_bytes(command_text: str) -> str:
    """The command's JSON with photo bytes and the like replaced by their size (for logs and views)."""
    def strip(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"__bytes__"}:
                return f"<{len(base64.b64decode(value['__bytes__']))} byte>"
            return {k: strip(v) for k, v in value.items()}
        if isinstance(value, list):
            return [strip(v) for v in value]
        return value

    return json.dumps(strip(json.loads(command_text)), ensure_ascii=False)
