"""The write side of the offline desk at the engine level: a routine done offline is validated, queued
durably, replayed once in order, refused ones become conflicts with their data, nothing is lost.

Here the desk's "offline" is its Connectivity saying so; the reads of the validation then go to the
session factory it has (the replica on a real desk: tests/app/sync/test_offline_writes.py cuts a real
link and tests/e2e/test_offline_registration.py goes through the window)."""
from __future__ import annotations

import sqlite3
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from app.context import Core
from app.errors import NeedsServer, QueuedOffline, ValidationError
from app.routines.offline import DiscardQueued, DiscardQueuedRoutine
from app.routines.person_edit import AddNote, AddNoteRoutine
from app.routines.register import RegisterRoutine
from app.sync.connectivity import Connectivity
from app.sync.outbox import CONFLICT, QUEUED, SENT, Outbox, OutboxFull, without_bytes
from app.sync.replay import rebuild_command, replay_one, replay_pending
from db.engine import make_session_factory
from db.models import AuditEntry, Card, ExecutedCommand, Person
from tests.app.builders import add_person, build_catalog, init_counters, person_data, registration
from tests.app.sync.helpers import NOW


@pytest.fixture
def desk(db, clock, tmp_path, make_actor):
    """A core whose connectivity the test switches, with an outbox in tmp_path."""
    core = Core(sessions=make_session_factory(db.engine), clock=clock, desk="Kassa 1",
                connectivity=Connectivity(clock, online=True))
    core.outbox = Outbox(tmp_path / "replica" / "desk.outbox.db")
    init_counters(core)
    catalog = build_catalog(core)
    yield core, catalog, make_actor(core, "recep")
    core.outbox.close()


def _count(core, model, *where) -> int:
    with core.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _offline(core):
    core.connectivity.set_online(False)


def _online(core):
    core.connectivity.set_online(True)


def test_a_registration_offline_is_queued_not_written_and_replays_exactly_once(desk):
    core, cat, actor = desk
    command = registration(cat)
    _offline(core)
    with pytest.raises(QueuedOffline) as queued:
        RegisterRoutine(core).execute(command, actor)
    assert "sparad i kön" in queued.value.message
    assert _count(core, Person) == 0 and _count(core, ExecutedCommand) == 0
    [entry] = core.outbox.pending()
    assert entry.command_id == command.command_id and entry.state == QUEUED and entry.state_text == "Köad"
    assert entry.summary == "Registrering – Anna Öberg" and entry.actor_data["username"] == "recep"
    assert rebuild_command(entry) == command                     # the same frozen command, photo bytes too

    _online(core)
    report = replay_pending(core, core.outbox)
    assert (report.sent, report.conflicts, report.interrupted) == (1, 0, False)
    assert core.outbox.get(command.command_id).state == SENT
    assert _count(core, Person, Person.personnummer == "198507099805") == 1
    assert _count(core, Card, Card.card_number == "0004520100") == 1
    assert replay_pending(core, core.outbox).sent == 0            # nothing left: no second run


def test_a_desk_that_crashed_after_the_servers_commit_gets_the_stored_result_on_replay(desk):
    """The server ran the command but the desk died before marking its entry: the replay of the same
    command_id returns the stored result and the entry is sent — one person, not a Conflict."""
    core, cat, actor = desk
    command = registration(cat)
    _offline(core)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    _online(core)
    first = RegisterRoutine(core).run_on_server(command, actor)  # the replay whose bookkeeping was lost
    assert core.outbox.get(command.command_id).state == QUEUED
    report = replay_pending(core, core.outbox)
    entry = core.outbox.get(command.command_id)
    assert report.sent == 1 and entry.state == SENT
    assert f'"person_id": {first.person_id}' in entry.result
    assert _count(core, Person) == 1 and _count(core, ExecutedCommand) == 1


def test_the_validation_runs_offline_and_a_refused_command_is_not_queued(desk):
    core, cat, actor = desk
    _offline(core)
    bad = registration(cat, person=replace(person_data(), first_name=""))
    with pytest.raises(ValidationError):
        RegisterRoutine(core).execute(bad, actor)
    assert core.outbox.entries() == []


def test_a_routine_that_cannot_wait_is_refused_offline_with_the_reason(desk):
    core, cat, actor = desk
    pid = add_person(core)
    _offline(core)
    with pytest.raises(NeedsServer) as err:
        AddNoteRoutine(core).execute(AddNote(pid, "Hej"), actor)
    assert err.value.message.startswith("Ny anteckning kan inte göras utan kontakt med servern")
    assert core.outbox.entries() == []


def test_a_card_taken_meanwhile_becomes_a_conflict_with_the_data_kept_and_can_be_corrected(desk):
    core, cat, actor = desk
    command = registration(cat)
    _offline(core)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    _online(core)
    other = registration(cat, person=person_data("900101-1239", first="Bo", last="Ek"),
                         mandate=replace(command.mandate, holder_name="Bo Ek", holder_personnummer="900101-1239"))
    RegisterRoutine(core).execute(other, actor)                   # another desk took card 0004520100
    report = replay_pending(core, core.outbox)
    entry = core.outbox.get(command.command_id)
    assert report.conflicts == 1 and entry.state == CONFLICT and entry.state_text == "Konflikt"
    assert "kort" in entry.reason.lower()
    assert rebuild_command(entry) == command                      # nothing entered is lost
    assert _count(core, Person) == 1

    corrected = replace(command, access=replace(command.access, card_number="0004520101"))
    from app.sync.outbox import command_json

    core.outbox.resend(command.command_id, command_json(corrected))
    assert replay_pending(core, core.outbox).sent == 1
    assert _count(core, Person) == 2 and _count(core, Card, Card.card_number == "0004520101") == 1


def test_the_replay_keeps_the_order_and_stops_at_a_lost_connection(desk, monkeypatch):
    core, cat, actor = desk
    first = registration(cat)
    second = registration(cat, person=person_data("900101-1239", first="Bo", last="Ek"),
                          access=replace(first.access, card_number="0004520102"),
                          mandate=replace(first.mandate, holder_name="Bo Ek", holder_personnummer="900101-1239"))
    _offline(core)
    for command in (first, second):
        with pytest.raises(QueuedOffline):
            RegisterRoutine(core).execute(command, actor)
    assert [e.command_id for e in core.outbox.pending()] == [first.command_id, second.command_id]
    _online(core)
    from app.errors import ConnectionLost

    def lost(self, command, actor):
        raise ConnectionLost("Kontakten med databasen bröts")

    monkeypatch.setattr(RegisterRoutine, "run_on_server", lost)
    report = replay_pending(core, core.outbox)
    assert report.interrupted and report.sent == 0
    entry = core.outbox.get(first.command_id)
    assert entry.state == QUEUED and entry.attempts == 1 and "bröts" in entry.last_error
    assert core.outbox.get(second.command_id).attempts == 0       # nothing overtook the first
    monkeypatch.undo()
    assert replay_pending(core, core.outbox).sent == 2


def test_a_fault_in_the_app_during_replay_does_not_block_the_queue(desk, monkeypatch):
    core, cat, actor = desk
    command = registration(cat)
    _offline(core)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    _online(core)
    monkeypatch.setattr(RegisterRoutine, "run_on_server", lambda self, c, a: 1 / 0)
    assert replay_one(core, core.outbox, core.outbox.pending()[0])
    entry = core.outbox.get(command.command_id)
    assert entry.state == CONFLICT and "ZeroDivisionError" in entry.reason


def test_a_discard_needs_a_reason_and_is_audited_on_the_server(desk):
    core, cat, actor = desk
    command = registration(cat)
    _offline(core)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    entry = core.outbox.pending()[0]
    with pytest.raises(Exception):
        core.outbox.discard(entry.command_id, by="recep", reason=" ", at=NOW)
    discard = DiscardQueued(entry.command_id, entry.title, entry.summary, "Kunden ångrade sig",
                            without_bytes(entry.command), "recep")
    assert "__bytes__" not in discard.entered and "byte>" in discard.entered
    with pytest.raises(QueuedOffline):                           # offline: the audit itself waits in the queue
        DiscardQueuedRoutine(core).execute(discard, actor)
    core.outbox.discard(entry.command_id, by="recep", reason="Kunden ångrade sig", at=NOW)
    _online(core)
    assert replay_pending(core, core.outbox).sent == 1            # the discard's audit; the registration stays out
    assert _count(core, Person) == 0
    with core.sessions() as s:
        row = s.scalars(select(AuditEntry).where(AuditEntry.action == "Kassera köad åtgärd")).one()
    assert "Kunden ångrade sig" in row.details and "Anna" in row.details
    assert core.outbox.get(entry.command_id).state == "discarded"


def test_a_full_disk_is_a_clear_message_and_leaves_no_half_written_command(desk, tmp_path):
    core, cat, actor = desk
    core.outbox.close()
    path = tmp_path / "full" / "desk.outbox.db"
    core.outbox = Outbox(path)
    pages = core.outbox._conn.execute("PRAGMA page_count").fetchone()[0]
    core.outbox._conn.execute(f"PRAGMA max_page_count = {pages}")  # the file cannot grow: a full disk
    _offline(core)
    command = registration(cat)
    command = replace(command, access=replace(command.access, photo_jpeg=command.access.photo_jpeg[:-2] + b"\x01" * 300_000 + b"\xff\xd9"))
    with pytest.raises(OutboxFull) as err:
        RegisterRoutine(core).execute(command, actor)
    assert "Disken på den här datorn är full" in err.value.message and "Inget sparades" in err.value.message
    assert core.outbox.entries() == []
    core.outbox._conn.execute("PRAGMA max_page_count = 1073741823")
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    assert len(core.outbox.entries()) == 1


def test_the_outbox_survives_a_restart_and_is_written_with_full_sync(desk, tmp_path):
    core, cat, actor = desk
    _offline(core)
    command = registration(cat)
    with pytest.raises(QueuedOffline):
        RegisterRoutine(core).execute(command, actor)
    assert core.outbox._conn.execute("PRAGMA synchronous").fetchone()[0] == 2   # FULL
    path = core.outbox.path
    core.outbox.close()
    reopened = Outbox(path)
    assert [e.command_id for e in reopened.pending()] == [command.command_id]
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    core.outbox = reopened


def test_a_rebuilt_replica_does_not_touch_the_outbox(tmp_path):
    from app.sync.replica import Replica

    replica = Replica(tmp_path / "replica" / "srv.db").open()
    outbox = Outbox(Outbox.path_for(replica.path))
    outbox.add(command_id="c1", routine="m:R", command_type="m:C", command="{}", actor={"username": "u"},
               title="Frys", summary="Frys", person_id=None, at=NOW)
    replica.rebuild()
    replica.close()
    assert [e.command_id for e in outbox.entries()] == ["c1"]
    assert outbox.path != replica.path and outbox.path.exists()
    outbox.close()


def test_the_correction_form_shows_the_entered_data_and_refuses_a_bad_number(desk):
    from app.routines.offline import apply_edits, editable_fields
    from app.routines.subscriptions.freeze import FreezeSubscription
    from app.sync.outbox import command_json

    text = command_json(FreezeSubscription(7, NOW.date(), NOW.date(), reason_id=3, confirmation_pdf=b"%PDF"))
    fields = {f.path: f for f in editable_fields(text)}
    assert fields[("subscription_id",)].kind == "fixed" and fields[("subscription_id",)].label == "Abonnemang (nr)"
    assert fields[("confirmation_pdf",)].kind == "fixed" and fields[("confirmation_pdf",)].value == "<4 byte>"
    assert fields[("end",)].kind == "text" and fields[("end",)].label == "Till"
    changed = apply_edits(text, {("end",): "2027-01-31", ("subscription_id",): "99"})
    assert '"end": "2027-01-31"' in changed and '"subscription_id": 7' in changed   # fixed fields stay
    with pytest.raises(ValidationError):
        apply_edits('{"count": 1}', {("count",): "ett"})
