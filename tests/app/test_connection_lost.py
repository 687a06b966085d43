"""A connection that breaks during a routine is a Swedish message, not a crash; nothing half-written;
the retry with the same command_id runs exactly once (real PostgreSQL behind a proxy the test cuts)."""
from __future__ import annotations

import threading

import pytest
from sqlalchemy import func, select

from app.context import Core
from app.errors import ConnectionLost
from app.routines.create_person import CreatePerson, CreatePersonRoutine
from db.engine import make_engine, make_session_factory
from db.models import ExecutedCommand, Person
from tests.app.builders import person_data
from tests.app.sync.proxy import TcpProxy

pytestmark = pytest.mark.pg


@pytest.fixture
def cut_core(pg_db, clock):
    proxy = TcpProxy.for_url(pg_db.url)
    engine = make_engine(proxy.url(pg_db.url))
    core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1")
    yield core, proxy
    engine.dispose()
    proxy.close()


def _count(pg_db, model) -> int:
    with make_session_factory(pg_db.engine)() as session:
        return session.scalar(select(func.count()).select_from(model))


class CutBeforeCommit(CreatePersonRoutine):
    """Writes the person, then the link goes down before COMMIT reaches the server."""

    proxy: TcpProxy

    def perform(self, session, command, actor):
        result = super().perform(session, command, actor)
        session.flush()
        self.proxy.reset()
        return result


def test_a_cut_before_commit_saves_nothing_and_the_retry_saves_once(cut_core, pg_db, make_actor):
    core, proxy = cut_core
    actor = make_actor(core, "recep")
    command = CreatePerson(person_data())
    routine = CutBeforeCommit(core)
    routine.proxy = proxy
    with pytest.raises(ConnectionLost) as err:
        routine.execute(command, actor)
    assert err.value.message.startswith("Kontakten med databasen bröts – inget sparades, dina uppgifter finns kvar")
    assert _count(pg_db, Person) == 0 and _count(pg_db, ExecutedCommand) == 0
    proxy.restore()
    result = CreatePersonRoutine(core).execute(command, actor)
    again = CreatePersonRoutine(core).execute(command, actor)
    assert again == result
    assert _count(pg_db, Person) == 1 and _count(pg_db, ExecutedCommand) == 1


def test_a_server_down_before_the_routine_starts_is_the_same_message(cut_core, pg_db, make_actor):
    core, proxy = cut_core
    actor = make_actor(core, "recep")
    proxy.reset()
    with pytest.raises(ConnectionLost):
        CreatePersonRoutine(core).execute(CreatePerson(person_data()), actor)
    assert _count(pg_db, Person) == 0


def test_when_the_server_committed_but_the_desk_never_heard_the_retry_gets_the_stored_result(pg_db, make_actor, clock):
    """The desk's side died after the server's COMMIT (crash, or the reply lost): the retry of the same
    command — from another process, as after a restart — returns the first result, no second person."""
    core = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 1")
    actor = make_actor(core, "recep")
    command = CreatePerson(person_data())
    first = CreatePersonRoutine(core).execute(command, actor)
    other_engine = make_engine(pg_db.url)
    try:
        other = Core(sessions=make_session_factory(other_engine), clock=clock, desk="Kassa 1")
        assert CreatePersonRoutine(other).execute(command, actor) == first
    finally:
        other_engine.dispose()
    assert _count(pg_db, Person) == 1


def test_two_desks_running_the_same_command_at_once_write_once_and_both_get_the_result(pg_db, make_actor, clock):
    engines = [make_engine(pg_db.url) for _ in range(2)]
    cores = [Core(sessions=make_session_factory(e), clock=clock, desk=f"Kassa {i}") for i, e in enumerate(engines)]
    actor = make_actor(cores[0], "recep")
    command = CreatePerson(person_data())
    barrier = threading.Barrier(2)
    results, errors = [], []

    class Slow(CreatePersonRoutine):
        def validate(self, session, command):
            barrier.wait(10)  # both have looked for the command_id and found nothing: now both write
            super().validate(session, command)

    def run(core):
        try:
            results.append(Slow(core).execute(command, actor))
        except Exception as err:  # reported below
            errors.append(err)
    threads = [threading.Thread(target=run, args=(c,)) for c in cores]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    for e in engines:
        e.dispose()
    assert not errors, errors
    assert len(results) == 2 and results[0] == results[1]
    assert _count(pg_db, Person) == 1 and _count(pg_db, ExecutedCommand) == 1
