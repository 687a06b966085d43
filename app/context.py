"""What the core needs from the outside, injected once at the composition root."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.sync.connectivity import Connectivity


@dataclass(frozen=True)
class Actor:
    """The logged-in user on a desk: who writes, with which rights, at which till."""

    user_id: int
    username: str
    full_name: str
    rights: frozenset[str]
    desk: str = "Kassa 1"


@dataclass
class Core:
    """Session factory + clock + this desk. Routines and queries get this, nothing global."""

    sessions: sessionmaker[Session]
    clock: Clock
    desk: str = "Kassa 1"
    till_enabled: bool = True
    connectivity: Connectivity | None = None  # set for a desk on the shared database (offline mode)
    outbox: Any = None  # app.sync.outbox.Outbox of an offline-capable desk: routines queued while offline

    @property
    def working_offline(self) -> bool:
        """True while a desk on the shared database has no contact with the server."""
        return self.connectivity is not None and not self.connectivity.online

    @property
    def engine(self):
        """The plain engine (read sessions may be bound to an autocommit variant of it)."""
        return self.sessions.kw.get("info", {}).get("engine") or self.sessions.kw["bind"]

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def write_session(self) -> Session:
        """A session for one write transaction. On SQLite it takes the write lock at once (BEGIN
        IMMEDIATE), so two desks writing at the same time wait for each other instead of failing; on
        PostgreSQL it is an ordinary transaction on the plain engine, although read sessions run in
        autocommit (db.engine.make_session_factory)."""
        return self.sessions(bind=self.engine.execution_options(reception_write=True))
