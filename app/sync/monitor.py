"""The connection monitor: one worker thread that decides online/offline for the desk.

It keeps its own connection to the server and sends a cheap probe (`SELECT 1`) every
`interval` seconds, waiting at most `timeout` for the answer with a client-side deadline. That is
what catches the silent case — dead Wi-Fi, packets dropped and no reset — where a query would
otherwise wait for TCP to give up (minutes): a server-side statement_timeout cannot help when the
answer never arrives. A reset or refused connection is seen at once. The connection itself also
carries a short connect timeout, TCP keepalives and TCP_USER_TIMEOUT (where the OS has it), and a
statement_timeout so a probe can never pile up work on a struggling server.

The libpq connection is driven non-blocking (psycopg's `pq` layer and `select`), so every wait has
a deadline and no thread is left hanging on a dead socket. Detection time is therefore at most
interval + timeout (default 0.5 + 1.0 s), measured in tests/app/sync/test_monitor.py and
benchmarks/offline.py.
"""
from __future__ import annotations

import logging
import select
import threading
import time
from collections.abc import Callable

from psycopg import pq
from sqlalchemy.engine import make_url

from app.sync.connectivity import Connectivity

log = logging.getLogger("reception.sync.monitor")

PROBE_INTERVAL = 0.5
PROBE_TIMEOUT = 1.0
# libpq parameters for every connection of an offline-capable desk (also the app's own engine).
KEEPALIVE_PARAMS = {"keepalives": 1, "keepalives_idle": 2, "keepalives_interval": 1, "keepalives_count": 2,
                    "tcp_user_timeout": 3000}


def libpq_conninfo(url: str, password: str | None = None, **extra) -> str:
    """A libpq connection string from a SQLAlchemy URL (postgresql+psycopg://…)."""
    from psycopg.conninfo import make_conninfo

    parsed = make_url(url)
    params = {"host": parsed.host, "port": parsed.port, "dbname": parsed.database, "user": parsed.username,
              "password": parsed.password or password, "application_name": "reception-monitor"}
    params.update({k: v for k, v in parsed.query.items() if isinstance(v, str)})
    params.update(extra)
    return make_conninfo(**{k: v for k, v in params.items() if v is not None})


class Probe:
    """One non-blocking libpq connection that answers `check(timeout) -> bool`."""

    def __init__(self, conninfo: str) -> None:
        self.conninfo = conninfo
        self._conn: pq.PGconn | None = None

    def close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.finish()
            except Exception:  # a dead socket: nothing more to do
                pass
        self._conn = None

    def _wait(self, fileno: int, *, write: bool, deadline: float) -> bool:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        ready = select.select([], [fileno], [], remaining) if write else select.select([fileno], [], [], remaining)
        return bool(ready[1] if write else ready[0])

    def _connect(self, deadline: float) -> bool:
        conn = pq.PGconn.connect_start(self.conninfo.encode())
        if conn.status == pq.ConnStatus.BAD:
            conn.finish()
            return False
        self._conn = conn
        status = pq.PollingStatus.WRITING
        while status not in (pq.PollingStatus.OK, pq.PollingStatus.FAILED):
            if not self._wait(conn.socket, write=status == pq.PollingStatus.WRITING, deadline=deadline):
                return False
            status = conn.connect_poll()
        if status != pq.PollingStatus.OK:
            return False
        conn.nonblocking = 1
        return True

    def check(self, timeout: float = PROBE_TIMEOUT) -> bool:
        deadline = time.monotonic() + timeout
        try:
            if self._conn is None or self._conn.status != pq.ConnStatus.OK:
                self.close()
                if not self._connect(deadline):
                    self.close()
                    return False
            conn = self._conn
            conn.send_query(b"SELECT 1")
            while conn.flush() != 0:
                if not self._wait(conn.socket, write=True, deadline=deadline):
                    self.close()
                    return False
            ok = False
            while True:
                conn.consume_input()
                while not conn.is_busy():
                    res = conn.get_result()
                    if res is None:
                        if ok:
                            return True
                        self.close()
                        return False
                    ok = res.status == pq.ExecStatus.TUPLES_OK
                if not self._wait(conn.socket, write=False, deadline=deadline):
                    self.close()
                    return False
        except Exception as err:  # reset, refused, EOF: offline
            log.debug("Probe failed: %s", err)
            self.close()
            return False


class ConnectionMonitor:
    """Runs the probe on a daemon thread and drives `Connectivity.set_online`."""

    def __init__(self, conninfo: str, connectivity: Connectivity, *, interval: float = PROBE_INTERVAL,
                 timeout: float = PROBE_TIMEOUT, failures_to_offline: int = 1) -> None:
        self.probe = Probe(conninfo)
        self.connectivity = connectivity
        self.interval = interval
        self.timeout = timeout
        self.failures_to_offline = failures_to_offline
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failures = 0
        self.last_check: Callable[[], None] | None = None

    @classmethod
    def for_url(cls, url: str, connectivity: Connectivity, *, password: str | None = None, **kw) -> "ConnectionMonitor":
        timeout = kw.get("timeout", PROBE_TIMEOUT)
        conninfo = libpq_conninfo(url, password, options=f"-c statement_timeout={int(timeout * 1000)}",
                                  **KEEPALIVE_PARAMS)
        return cls(conninfo, connectivity, **kw)

    def check_once(self) -> bool:
        ok = self.probe.check(self.timeout)
        self._failures = 0 if ok else self._failures + 1
        if ok:
            self.connectivity.set_online(True)
        elif self._failures >= self.failures_to_offline:
            self.connectivity.set_online(False)
        return ok

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="reception-connection-monitor", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                self.check_once()
            except Exception:  # never let the monitor die: the desk would stay in a wrong state
                log.exception("Connection monitor check failed")
            self._stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + self.interval + 1)
        self._thread = None
        self.probe.close()
