"""The connection monitor notices a lost server within 2 s: reset links and silent (blackholed) ones."""
from __future__ import annotations

import threading
import time

import pytest

from app.clock import Clock
from app.sync.connectivity import Connectivity
from app.sync.monitor import ConnectionMonitor
from tests.app.sync.proxy import TcpProxy

pytestmark = pytest.mark.pg


@pytest.fixture
def proxied(pg_db):
    proxy = TcpProxy.for_url(pg_db.url)
    yield proxy, proxy.url(pg_db.url)
    proxy.close()


def _until(predicate, limit: float) -> float:
    start = time.monotonic()
    while not predicate():
        if time.monotonic() - start > limit:
            raise AssertionError(f"not within {limit} s")
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.mark.parametrize("cut", ["reset", "blackhole"])
def test_loss_is_detected_within_two_seconds_and_the_return_too(proxied, cut):
    proxy, url = proxied
    state = Connectivity(Clock(), online=False)
    went: list[tuple[bool, float]] = []
    changed = threading.Event()

    def heard(c):
        went.append((c.online, time.monotonic()))
        changed.set()
    state.subscribe(heard)
    monitor = ConnectionMonitor.for_url(url, state)
    monitor.start()
    try:
        _until(lambda: state.online, 3)
        time.sleep(0.6)  # a few probes on the established connection
        cut_at = time.monotonic()
        getattr(proxy, cut)()
        _until(lambda: not state.online, 2.0)
        detected = went[-1][1] - cut_at
        assert detected < 2.0, detected
        proxy.restore()
        _until(lambda: state.online, 3)
        assert [o for o, _ in went] == [True, False, True]
    finally:
        monitor.stop()


def test_a_server_that_never_answers_at_start_is_offline_within_the_deadline(proxied):
    proxy, url = proxied
    proxy.blackhole()
    state = Connectivity(Clock(), online=True)
    monitor = ConnectionMonitor.for_url(url, state)
    start = time.monotonic()
    assert monitor.check_once() is False
    assert time.monotonic() - start < 1.5 and not state.online
    proxy.restore()
    assert monitor.check_once() is True and state.online
    monitor.stop()
