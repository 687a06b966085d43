"""Offline writes on a real desk: the link to PostgreSQL is cut by a proxy, the routine is validated
against the replica and queued; after the reconnect the sync thread replays it by itself, the
server holds it exactly once, the replica then shows it (read your writes), and another desk's
card taken meanwhile becomes a conflict, not a lost registration."""
from __future__ import annotations

from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.context import Core
from app.errors import QueuedOffline
from app.routines.register import RegisterRoutine
from app.sync.desk import attach_offline_desk
from app.sync.outbox import CONFLICT, SENT
from db.engine import make_engine, make_session_factory
from db.models import Card, ExecutedCommand, Person
from tests.app.builders import build_catalog, init_counters, person_data, registration
from tests.app.sync.helpers import until
from tests.app.sync.proxy import TcpProxy

pytestmark = pytest.mark.pg




@pytest.fixture
def setup(pg_db, tmp_path, clock, make_actor):
    server = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 2")
    init_counters(server)
    catalog = build_catalog(server)
    proxy = TcpProxy.for_url(pg_db.url)
    url = proxy.url(pg_db.url)
    engine = make_engine(url)
    core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1")
    offline = attach_offline_desk(core, url, tmp_path)
    until(lambda: offline.routing.replica_ready, 15)
    yield core, offline, proxy, server, catalog, make_actor(server, "recep")
    offline.stop()
    engine.dispose()
    proxy.close()


def _server_count(server, model, *where) -> int:
    with server.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


@pytest.mark.parametrize("cut", ["reset", "blackhole"])
def test_a_registration_made_offline_reaches_the_server_once_after_the_reconnect(setup, cut):
    core, offline, proxy, server, cat, actor = setup
    getattr(proxy, cut)()
    until(lambda: not core.connectivity.online, 2.5)
    command = registration(cat)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)           # validated against the replica
    assert _server_count(server, Person) == 0
    assert [e.state for e in core.outbox.entries()] == ["queued"]

    proxy.restore()
    until(lambda: core.outbox.get(command.command_id).state == SENT, 10)
    assert _server_count(server, Person, Person.personnummer == "198507099805") == 1
    assert _server_count(server, ExecutedCommand, ExecutedCommand.command_id == command.command_id) == 1
    until(lambda: not core.outbox.get(command.command_id).open, 10)   # the pull after the replay brought it
    with offline.replica.sessions() as s:
        assert s.scalar(select(func.count()).select_from(Card).where(Card.card_number == "0004520100")) == 1


def test_a_card_another_desk_took_meanwhile_is_a_conflict_and_the_registration_is_kept(setup):
    core, offline, proxy, server, cat, actor = setup
    proxy.reset()
    until(lambda: not core.connectivity.online, 2.5)
    mine = registration(cat)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(mine, actor)
    theirs = registration(cat, person=person_data("900101-1239", first="Bo", last="Ek"),
                          mandate=replace(mine.mandate, holder_name="Bo Ek", holder_personnummer="900101-1239"))
    RegisterRoutine(server).execute(theirs, actor)               # the other desk is online and takes the card
    proxy.restore()
    until(lambda: core.outbox.get(mine.command_id).state == CONFLICT, 10)
    entry = core.outbox.get(mine.command_id)
    assert "kort" in entry.reason.lower()
    assert '"first_name": "Anna"' in entry.command and _server_count(server, Person) == 1
    assert entry.open                                             # still shown as the desk's own work
