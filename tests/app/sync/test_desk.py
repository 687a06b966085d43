"""An offline-capable desk: routing sessions, NOTIFY-driven sync, reads from the replica when cut."""
from __future__ import annotations

import time
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from app.clock import Clock
from app.context import Core
from app.queries.person_card import load_person_card
from app.queries.search import find_person_by_card, search_persons
from app.sync.connectivity import Connectivity
from app.sync.desk import OfflineDesk, RoutingSessions, attach_offline_desk, banner_text, open_core_from_replica
from db.engine import make_engine, make_session_factory
from db.models import Person
from tests.app.sync.helpers import add_person, until
from tests.app.sync.proxy import TcpProxy
from tests.conftest import TODAY

pytestmark = pytest.mark.pg




@pytest.fixture
def desk(pg_db, tmp_path):
    proxy = TcpProxy.for_url(pg_db.url)
    url = proxy.url(pg_db.url)
    engine = make_engine(url)
    core = Core(sessions=make_session_factory(engine), clock=Clock(), desk="Kassa 1")
    offline = attach_offline_desk(core, url, tmp_path)
    until(lambda: offline.routing.replica_ready, 10)
    yield core, offline, proxy, url
    offline.stop()
    engine.dispose()
    proxy.close()


def _in_replica(offline: OfflineDesk, pid: int) -> bool:
    with offline.replica.engine.connect() as conn:
        return conn.execute(select(Person.id).where(Person.id == pid)).first() is not None


def test_another_desks_change_reaches_this_desk_within_two_seconds(desk, pg_db):
    core, offline, proxy, url = desk
    heard = []
    offline.sync.on_changes.append(lambda result: heard.append(result.person_ids))
    time.sleep(0.3)
    with pg_db.engine.begin() as conn:
        pid = add_person(conn, 1, first="Notis")
    committed = time.monotonic()
    lag = until(lambda: _in_replica(offline, pid) and any(pid in ids for ids in heard), 2.0)
    assert time.monotonic() - committed < 2.0, lag
    assert core.connectivity.data_as_of is not None


@pytest.mark.parametrize("cut", ["blackhole", "reset"])
def test_reads_go_to_the_replica_when_the_link_is_cut_and_back_when_it_returns(desk, pg_db, cut, make_actor):
    core, offline, proxy, url = desk
    actor = make_actor(core, "recep")
    with pg_db.engine.begin() as conn:
        pid = add_person(conn, 1, first="Åsa", last="Ström", card="777001")
    until(lambda: _in_replica(offline, pid), 3)
    getattr(proxy, cut)()
    until(lambda: not core.connectivity.online, 2.0)
    assert isinstance(core.sessions, RoutingSessions) and offline.reading_replica
    started = time.monotonic()
    with core.sessions() as session:
        assert session.get_bind().dialect.name == "sqlite"
        hits = search_persons(session, "åsa ström", TODAY).hits
        found = find_person_by_card(session, "777001")
        card = load_person_card(session, actor, found.person_id, TODAY, swiped_card="777001")
    assert time.monotonic() - started < 1.0          # no wait on the dead link
    assert [h.person_id for h in hits] == [pid] and card.person.first_name == "Åsa"
    with core.write_session() as session:           # writes never go to the replica
        assert session.get_bind().dialect.name == "postgresql"
    with pg_db.engine.begin() as conn:               # another desk keeps working on the server
        later = add_person(conn, 2, first="Under", last="Avbrottet")
    assert not _in_replica(offline, later)
    proxy.restore()
    until(lambda: core.connectivity.online, 3)
    until(lambda: _in_replica(offline, later), 3)    # the catch-up after the return
    with core.sessions() as session:
        assert session.get_bind().dialect.name == "postgresql"
        assert search_persons(session, "under", TODAY).hits[0].person_id == later


def test_banner_text_says_since_when_in_local_time():
    state = Connectivity(Clock(), online=False)
    now = datetime(2026, 12, 7, 13, 30, tzinfo=timezone.utc)
    state.mark_synced(datetime(2026, 12, 7, 13, 2, tzinfo=timezone.utc))     # 14:02 in Stockholm
    assert banner_text(state, now) == ("Ingen kontakt med servern – uppgifterna är från kl. 14:02. "
                                       "Det du gör sparas och skickas när kontakten är tillbaka.")
    state.mark_synced(datetime(2026, 12, 6, 16, 45, tzinfo=timezone.utc))
    assert "från den 6 december kl. 17:45." in banner_text(state, now)


def test_starting_with_the_server_down_opens_the_replica_and_logs_in_offline(desk, pg_db, tmp_path):
    from app.auth import login

    core, offline, proxy, url = desk
    until(lambda: core.connectivity.data_as_of is not None, 5)
    offline.stop()
    proxy.reset()
    started = open_core_from_replica(url, Clock(), tmp_path)
    assert started is not None and not started.connectivity.online
    assert started.connectivity.data_as_of is not None
    actor = login(started, "recep", "hemligt")       # the cached Argon2 hash
    assert actor.username == "recep"
    with pytest.raises(Exception):
        login(started, "recep", "fel")
    started.sessions.replica.close()
    assert open_core_from_replica(url, Clock(), tmp_path / "elsewhere") is None  # no replica: the error stands
