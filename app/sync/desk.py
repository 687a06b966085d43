"""An offline-capable desk on the shared database: replica + monitor + sync, wired into the Core.

* `RoutingSessions` is what `Core.sessions` gives on such a desk: a session on the server while the
  monitor says online, a session on the replica while it says offline. The query functions
  (search, card swipe, person card, log-in) do not know which they got. Sessions given an explicit
  `bind` (`Core.write_session()`) always go to the server: writes never land in the replica.
* `SyncService` (a worker thread) fills the replica the first time (progress callbacks, resumable)
  and then pulls changes whenever the server sends NOTIFY, or every few seconds, and after every
  reconnect. Each pull that reaches the end moves `Connectivity.data_as_of`.
* `OfflineDesk` owns both threads and is what the window talks to (banner, card refresh, photos).

No Qt here: listeners are called on the worker threads; the widgets hop to the UI thread.
"""
from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import create_engine
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from app.clock import Clock
from app.context import Core
from app.errors import UserError
from app.sync.connectivity import Connectivity
from app.sync.feed import CHANNEL
from app.sync.monitor import KEEPALIVE_PARAMS, ConnectionMonitor, libpq_conninfo
from app.sync.outbox import Outbox
from app.sync.replay import ReplayReport, replay_pending
from app.sync.replica import DEFAULT_PHOTO_CAP_MB, PullResult, Replica

log = logging.getLogger("reception.sync")
POLL_SECONDS = 5.0


class RoutingSessions(sessionmaker):
    """`Core.sessions` of an offline-capable desk: server sessions online, replica sessions offline."""

    def __init__(self, server: sessionmaker, replica: Replica, connectivity: Connectivity) -> None:
        super().__init__(class_=server.class_, **server.kw)
        self.server = server
        self.replica = replica
        self.connectivity = connectivity
        self.replica_ready = False

    def __call__(self, **local_kw) -> Session:
        if ("bind" not in local_kw and not self.connectivity.online and self.replica_ready
                and self.replica.sessions is not None):
            return self.replica.sessions(**local_kw)
        return self.server(**local_kw)

    @property
    def reading_replica(self) -> bool:
        return not self.connectivity.online and self.replica_ready


@dataclass(frozen=True)
class FillProgress:
    done: int
    total: int
    table: str

    @property
    def finished(self) -> bool:
        return self.done >= self.total


def sync_engine(url: str, password: str | None) -> Engine:
    """A small engine of the sync thread's own (never shared with the UI's reads)."""
    parsed = make_url(url)
    if password is not None and parsed.password is None:
        parsed = parsed.set(password=password)
    return create_engine(parsed, pool_size=1, max_overflow=1, pool_pre_ping=True,
                         connect_args={"connect_timeout": 2, "application_name": "reception-sync",
                                       **KEEPALIVE_PARAMS})


class SyncService:
    """Fills and updates the replica on a worker thread while the desk is online."""

    def __init__(self, engine: Engine, listen_conninfo: str, replica: Replica, connectivity: Connectivity,
                 clock: Clock, *, poll_seconds: float = POLL_SECONDS) -> None:
        self.engine = engine
        self.listen_conninfo = listen_conninfo
        self.replica = replica
        self.connectivity = connectivity
        self.clock = clock
        self.poll_seconds = poll_seconds
        self.problem: str = ""
        self.progress: FillProgress | None = None
        self.on_ready: list[Callable[[], None]] = []
        self.on_changes: list[Callable[[PullResult], None]] = []
        self.on_progress: list[Callable[[FillProgress], None]] = []
        self.on_problem: list[Callable[[str], None]] = []
        self.before_first_pull: Callable[[], None] | None = None
        # Sends the outbox before each pull (OfflineDesk sets it); given a should_stop callable.
        self.replay: Callable[[Callable[[], bool]], object] | None = None
        self.after_pull: Callable[[datetime], None] | None = None
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._listen = None
        self._verified = False
        self.pulls = 0
        self.routing_reset: Callable[[], None] = lambda: None   # the replica was rebuilt: not ready
        connectivity.subscribe(lambda c: self._wake.set())

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reception-sync", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._thread = None
        self._close_listen()
        self.engine.dispose()

    def wake(self) -> None:
        self._wake.set()

    # -- the loop ---------------------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.connectivity.online:
                self._close_listen()
                self.engine.dispose()  # connections on a dead link: close (a local socket call), never wait on them
                self._wake.wait(0.5)
                self._wake.clear()
                continue
            try:
                self.sync_once()
                self._set_problem("")
                self._wait_for_news()
            except UserError as err:  # disk full, a damaged replica: say so, try again later
                log.error("Replica sync: %s", err.message)
                self._set_problem(err.message)
                self._stop.wait(5)
            except Exception as err:  # the server went away mid-pull: the monitor will say so
                log.warning("Replica sync interrupted: %s", err)
                self._close_listen()
                self.engine.dispose()
                self._stop.wait(0.5)

    def sync_once(self) -> PullResult | None:
        """Fill if needed, then pull; returns what the pull changed (None while the fill is not done)."""
        if self.before_first_pull is not None:
            self.before_first_pull()
            self.before_first_pull = None
        if not self._verified:
            if not self.replica.verify():
                self.routing_reset()
            self._verified = True
        if self.replay is not None:  # the desk's queued work first: the pull below then brings its effect
            self.replay(lambda: self._stop.is_set() or not self.connectivity.online)
        if not self.replica.filled:
            moment = self.clock.now()
            if not self.replica.fill(self.engine, progress=self._progress,
                                     should_stop=lambda: self._stop.is_set() or not self.connectivity.online):
                return None
            self.replica.mark_synced(moment)
            self.connectivity.mark_synced(moment)
            for listener in list(self.on_ready):
                listener()
        self._ensure_listen()
        moment = self.clock.now()
        result = self.replica.pull(self.engine)
        if not self.replica.filled:  # the feed was pruned past us: refill next round
            return result
        self.replica.mark_synced(moment)
        self.connectivity.mark_synced(moment)
        if self.after_pull is not None:
            self.after_pull(moment)
        self.pulls += 1
        try:
            self.replica.fetch_seen_photos(self.engine)
        except UserError:
            raise
        except Exception:
            log.exception("Photo cache update failed")
        if result.changes:
            for listener in list(self.on_changes):
                try:
                    listener(result)
                except Exception:
                    log.exception("Change listener failed")
        return result

    def _progress(self, done: int, total: int, table: str) -> None:
        self.progress = FillProgress(done, total, table)
        for listener in list(self.on_progress):
            listener(self.progress)

    def _set_problem(self, text: str) -> None:
        if text != self.problem:
            self.problem = text
            for listener in list(self.on_problem):
                listener(text)

    # -- LISTEN/NOTIFY ------------------------------------------------------------
    def _ensure_listen(self) -> None:
        if self._listen is not None and not self._listen.closed:
            return
        import psycopg

        self._listen = psycopg.connect(self.listen_conninfo, autocommit=True)
        self._listen.execute(f"LISTEN {CHANNEL}")

    def _close_listen(self) -> None:
        if self._listen is not None:
            try:
                self._listen.close()
            except Exception:
                pass
        self._listen = None

    def _wait_for_news(self) -> None:
        """Until a NOTIFY arrives, the poll interval passes, the state changes or stop()."""
        deadline = time.monotonic() + self.poll_seconds
        self._wake.clear()
        if self._listen is None:  # a fill that stopped (offline, stop()): nothing to listen on yet
            self._wake.wait(0.5)
            return
        while not self._stop.is_set() and self.connectivity.online and time.monotonic() < deadline:
            if self._wake.is_set():
                return
            heard = False
            for _ in self._listen.notifies(timeout=0.25, stop_after=1):
                heard = True
            if heard:
                return


class OfflineDesk:
    """The desk's replica, connection monitor and sync, started together and stopped together."""

    def __init__(self, core: Core, url: str, replica: Replica, *, password: str | None = None,
                 monitor: ConnectionMonitor | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self.core = core
        self.url = url
        self.replica = replica
        self.connectivity: Connectivity = core.connectivity
        self.routing: RoutingSessions = core.sessions
        self.monitor = monitor or ConnectionMonitor.for_url(url, self.connectivity, password=password)
        listen = libpq_conninfo(url, password, application_name="reception-listen", **KEEPALIVE_PARAMS)
        self.sync = SyncService(sync_engine(url, password), listen, replica, self.connectivity, core.clock,
                                poll_seconds=poll_seconds)
        self.sync.on_ready.append(self._replica_ready)
        self.sync.routing_reset = self._replica_rebuilt
        self.routing.replica_ready = replica.filled
        self._unsubscribe = self.connectivity.subscribe(self._state_changed)
        if core.outbox is None:
            core.outbox = Outbox(Outbox.path_for(replica.path))
        self.outbox: Outbox = core.outbox
        self.sync.replay = self._replay
        self.sync.after_pull = self.outbox.mark_pulled
        self._unsubscribe_outbox = self.outbox.subscribe(self._outbox_changed)
        self.last_replay: ReplayReport | None = None

    def _replay(self, should_stop: Callable[[], bool]) -> ReplayReport:
        report = replay_pending(self.core, self.outbox, should_stop=should_stop)
        self.last_replay = report
        return report

    def _outbox_changed(self) -> None:
        if self.connectivity.online and self.outbox.pending():
            self.sync.wake()  # a corrected entry was sent again: replay it now

    def start(self) -> "OfflineDesk":
        self.monitor.start()
        self.sync.start()
        return self

    def stop(self) -> None:
        self._unsubscribe()
        self._unsubscribe_outbox()
        self.monitor.stop()
        self.sync.stop()
        self.replica.close()
        self.outbox.close()
        if self.core.outbox is self.outbox:
            self.core.outbox = None

    @property
    def reading_replica(self) -> bool:
        return self.routing.reading_replica

    def _replica_ready(self) -> None:
        self.routing.replica_ready = True

    def _replica_rebuilt(self) -> None:
        self.routing.replica_ready = False

    def _state_changed(self, state: Connectivity) -> None:
        if not state.online:
            # The UI's pooled server connections may sit on a dead link: forget them without waiting.
            self.core.engine.dispose()

    def note_seen(self, person_id: int) -> None:
        """The person card showed this person: their photo goes to the front of the cache."""
        if self.replica.engine is None:
            return
        try:
            self.replica.note_seen(person_id, self.core.clock.now())
        except UserError as err:
            self.sync._set_problem(err.message)


def _replica_for(url: str, data_dir: Path, photo_cap_mb: int) -> Replica:
    return Replica(Replica.path_for(data_dir, url), photo_cap_mb=photo_cap_mb)


def attach_offline_desk(core: Core, url: str, data_dir: Path, *, password: str | None = None,
                        photo_cap_mb: int = DEFAULT_PHOTO_CAP_MB, start: bool = True) -> OfflineDesk | None:
    """Make a desk on PostgreSQL offline-capable: replica, routing sessions, monitor, sync. Returns
    None for an embedded (SQLite) desk."""
    if core.dialect != "postgresql":
        return None
    if isinstance(core.sessions, RoutingSessions):
        replica = core.sessions.replica
    else:
        replica = _replica_for(url, data_dir, photo_cap_mb).open()
    if core.connectivity is None:
        core.connectivity = Connectivity(core.clock, online=True)
    if replica.data_as_of is not None:
        core.connectivity.mark_synced(replica.data_as_of)
    if not isinstance(core.sessions, RoutingSessions):
        core.sessions = RoutingSessions(core.sessions, replica, core.connectivity)
    desk = OfflineDesk(core, url, replica, password=password)
    return desk.start() if start else desk


def open_core_from_replica(url: str, clock: Clock, data_dir: Path, *, desk: str = "Kassa 1",
                           till_enabled: bool = True, password: str | None = None,
                           photo_cap_mb: int = DEFAULT_PHOTO_CAP_MB) -> Core | None:
    """The server cannot be reached at start: a Core that reads the desk's replica, offline, or None
    when this desk has no complete replica of that database (then the start-up error stands)."""
    from db.engine import make_engine, make_session_factory

    try:
        if make_url(url).get_backend_name() != "postgresql":
            return None
    except Exception:  # an unparseable URL has no replica; open_core's own message stands
        return None
    replica = _replica_for(url, data_dir, photo_cap_mb)
    if not replica.exists():
        return None
    replica.open()
    if not replica.filled:
        replica.close()
        return None
    engine = make_engine(url, password=password)  # lazy: connects when the server is back
    connectivity = Connectivity(clock, online=False)
    if replica.data_as_of is not None:
        connectivity.mark_synced(replica.data_as_of)
    core = Core(sessions=make_session_factory(engine), clock=clock, desk=desk, till_enabled=till_enabled,
                connectivity=connectivity)
    core.sessions = RoutingSessions(core.sessions, replica, connectivity)
    core.sessions.replica_ready = True
    core.outbox = Outbox(Outbox.path_for(replica.path))
    log.warning("Server %s unreachable at start: starting from the replica (data as of %s)",
                make_url(url).render_as_string(hide_password=True), replica.data_as_of)
    return core


MONTHS = ("januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober",
          "november", "december")


def data_as_of_text(moment: datetime | None, now: datetime) -> str:
    """'kl. 14:02' today, 'den 6 december kl. 14:02' on another day (local Swedish time)."""
    from app.clock import STOCKHOLM

    if moment is None:
        return "en okänd tidpunkt"
    local = moment.astimezone(STOCKHOLM)
    if local.date() == now.astimezone(STOCKHOLM).date():
        return f"kl. {local:%H:%M}"
    return f"den {local.day} {MONTHS[local.month - 1]} kl. {local:%H:%M}"


def banner_text(state: Connectivity, now: datetime) -> str:
    """What the main window says while the desk works from its replica."""
    return (f"Ingen kontakt med servern – uppgifterna är från {data_as_of_text(state.data_as_of, now)}. "
            "Det du gör sparas och skickas när kontakten är tillbaka.")


def open_desk(url: str, clock: Clock, data_dir: Path, *, open_core: Callable[..., Core], desk: str = "Kassa 1",
              till_enabled: bool = True, password: str | None = None,
              photo_cap_mb: int = DEFAULT_PHOTO_CAP_MB) -> tuple[Core, OfflineDesk | None]:
    """The composition root's way in: the Core for `url` and, on PostgreSQL, its offline desk.

    When the server cannot be reached and this desk has a complete replica of that database, the
    desk starts offline from it (log-in against the cached password hashes); the schema check and
    upgrade that `open_core` would have made then run before the first pull once the server is back.
    Without a replica the start-up error stands (raised as it came)."""
    from app.errors import DatabaseUnavailable

    started_offline = False
    try:
        core = open_core(url, clock, desk=desk, till_enabled=till_enabled)
    except DatabaseUnavailable:
        core = open_core_from_replica(url, clock, data_dir, desk=desk, till_enabled=till_enabled,
                                      password=password, photo_cap_mb=photo_cap_mb)
        if core is None:
            raise
        started_offline = True
    offline = attach_offline_desk(core, url, data_dir, password=password, photo_cap_mb=photo_cap_mb, start=False)
    if offline is not None:
        if started_offline:
            def check_schema() -> None:
                from db.migrate import open_database

                open_database(url, password=password, now=clock.now()).dispose()
            offline.sync.before_first_pull = check_schema
        offline.start()
    return core, offline
