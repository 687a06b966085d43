from datetime import date

from app.clock import FixedClock
from app.sync.connectivity import Connectivity


def test_listeners_hear_only_changes_with_the_moment_of_the_change():
    clock = FixedClock.on(date(2026, 12, 7), hour=14)
    state = Connectivity(clock)
    heard = []
    state.subscribe(lambda c: heard.append((c.online, c.since)))
    assert state.set_online(True) is False and heard == []
    clock.advance(minutes=2)
    assert state.set_online(False) is True
    assert heard == [(False, clock.now())] and not state.online and state.since == clock.now()
    clock.advance(minutes=5)
    state.set_online(True)
    assert heard[-1] == (True, clock.now()) and len(heard) == 2


def test_a_failing_listener_does_not_silence_the_others_and_unsubscribe_works():
    state = Connectivity(FixedClock.on(date(2026, 12, 7)))
    heard = []

    def broken(_):
        raise RuntimeError("boom")
    state.subscribe(broken)
    stop = state.subscribe(lambda c: heard.append(c.online))
    state.set_online(False)
    stop()
    state.set_online(True)
    assert heard == [False]


def test_data_as_of_is_set_by_the_sync():
    clock = FixedClock.on(date(2026, 12, 7), hour=14)
    state = Connectivity(clock)
    assert state.data_as_of is None
    state.mark_synced()
    assert state.data_as_of == clock.now()
