"""One object decides whether this desk reaches the server, and since when (ARCHITECTURE "Offline").

The connection monitor sets it; the main window, the banner, the replica reader and the outbox of
queued commands all read it or subscribe to it. It is plain Python (no Qt) and thread-safe: the
monitor runs on a worker thread, so a subscriber that touches widgets must hop to the UI thread
itself (a queued Qt signal).
"""
from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Callable

from app.clock import Clock

log = logging.getLogger("reception.sync")

Listener = Callable[["Connectivity"], None]


class Connectivity:
    """Online/offline for the whole desk, the moment the state last changed, and how fresh the
    desk's local data is (`data_as_of`: the last moment the replica was known to match the server)."""

    def __init__(self, clock: Clock, *, online: bool = True) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._online = online
        self._since = clock.now()
        self._data_as_of: datetime | None = None
        self._listeners: list[Listener] = []

    @property
    def online(self) -> bool:
        return self._online

    @property
    def since(self) -> datetime:
        """When the desk went into its present state (online or offline)."""
        return self._since

    @property
    def data_as_of(self) -> datetime | None:
        return self._data_as_of

    def mark_synced(self, moment: datetime | None = None) -> None:
        """The replica matched the server at `moment` (default now)."""
        with self._lock:
            self._data_as_of = moment or self._clock.now()

    def set_online(self, online: bool) -> bool:
        """Record the state the monitor saw; tell the listeners only when it changed. Returns whether
        it changed."""
        with self._lock:
            if online == self._online:
                return False
            self._online = online
            self._since = self._clock.now()
            listeners = list(self._listeners)
        log.warning("Desk is now %s", "online" if online else "OFFLINE")
        for listener in listeners:
            try:
                listener(self)
            except Exception:  # one broken listener must not keep the others from hearing it
                log.exception("Connectivity listener failed")
        return True

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call `listener(self)` on every change; returns the function that unsubscribes it."""
        with self._lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self._lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)
        return unsubscribe
