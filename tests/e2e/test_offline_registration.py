"""A registration through its wizard in the real main window while the link to PostgreSQL is cut:
Slutför queues it (validated against the replica), the desk shows it as queued, and after the
reconnect the server holds the person exactly once with the data typed. A card another desk took
meanwhile becomes a conflict that the receptionist corrects in Köade åtgärder and sends again."""
from __future__ import annotations

import sys
from dataclasses import replace

import pytest
from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QLineEdit, QPushButton
from sqlalchemy import func, select

from app.context import Core
from app.main import open_core
from app.routines.register import RegisterRoutine
from app.sync.desk import open_desk
from db.engine import make_session_factory
from db.models import AuditEntry, Card, ExecutedCommand, Person
from devices.hub import CardReaderHub
from tests.app import builders
from tests.app.sync.proxy import TcpProxy
from tests.wizards.conftest import Driver, confirm, error_box, postal_codes  # noqa: F401 - fixtures
from tests.wizards.test_new_private_customer import run_to_inpassering
from widgets.desk_settings import DeskSettings
from widgets.main_window import MainWindow
from widgets.queued_work import CorrectDialog, DiscardDialog
from widgets.services import Bus, UiServices
from wizards.actions import register_person_actions
from wizards.base import PageId, ReceptionWizard

pytestmark = [pytest.mark.pg, pytest.mark.skipif(sys.platform == "win32", reason="test proxy uses POSIX sockets")]


@pytest.fixture
def desk(qtbot, qapp, pg_db, make_actor, tmp_path, clock, postal_codes, error_box, confirm, monkeypatch):
    server = Core(sessions=make_session_factory(pg_db.engine), clock=clock, desk="Kassa 2")   # another desk
    builders.init_counters(server)
    cat = builders.build_catalog(server)
    proxy = TcpProxy.for_url(pg_db.url)
    core, offline = open_desk(proxy.url(pg_db.url), clock, tmp_path, open_core=open_core)
    qtbot.waitUntil(lambda: offline.routing.replica_ready and offline.sync.pulls > 0, timeout=15_000)
    settings = DeskSettings(QSettings(str(tmp_path / "desk.ini"), QSettings.Format.IniFormat))
    services = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path / "data",
                          desk=settings, cards=CardReaderHub(), postal=postal_codes)
    services.extra["offline_desk"] = offline
    services.extra["camera_source"] = None
    register_person_actions(services)
    queued_boxes: list[str] = []
    monkeypatch.setattr(ReceptionWizard, "show_queued", lambda self, message: queued_boxes.append(message))
    window = MainWindow(services)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    yield window, proxy, server, cat, queued_boxes
    for wizard in list(services.extra.get("open_wizards", [])):
        wizard._entered = False
        wizard.reject()
    window.close()
    offline.stop()
    core.engine.dispose()
    proxy.close()


def _count(server, model, *where) -> int:
    with server.sessions() as s:
        return s.scalar(select(func.count()).select_from(model).where(*where))


def _another_desk_takes_the_card(server, cat, make_actor) -> None:
    """Bo Ek is registered at the other desk, online, with card 0004520100."""
    theirs = builders.registration(cat, person=builders.person_data("900101-1239", first="Bo", last="Ek"),
                                   mandate=replace(builders.MANDATE, holder_name="Bo Ek",
                                                   holder_personnummer="900101-1239"))
    RegisterRoutine(server).execute(theirs, make_actor(server, "recep"))


def _register_offline(qtbot, window, proxy, cat, queued_boxes) -> Driver:
    proxy.blackhole()                                           # dead Wi-Fi
    qtbot.waitUntil(window.offline_banner.isVisible, timeout=2500)
    window.register_action.trigger()                            # F3
    wizard = window.services.extra["open_wizards"][-1]
    d = Driver(qtbot, wizard)
    run_to_inpassering(d, cat)
    d.type(d.page().card_number, "0004520100")
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    qtbot.waitUntil(lambda: not wizard.isVisible(), timeout=5000)
    assert queued_boxes and "Registrering är sparad i kön och skickas till servern när kontakten är tillbaka" \
        in queued_boxes[-1]
    counter = window.queued_work.counter
    qtbot.waitUntil(lambda: counter.isVisible() and counter.text() == "Köade åtgärder: 1 köad", timeout=2000)
    return d


def test_a_registration_made_offline_in_the_window_reaches_the_server_once(qtbot, desk):
    window, proxy, server, cat, queued_boxes = desk
    d = _register_offline(qtbot, window, proxy, cat, queued_boxes)
    command_id = d.wizard.queued.command_id
    assert _count(server, Person) == 0
    dialog = window.queued_work.show_dialog()
    assert dialog.table.rowCount() == 1 and dialog.table.item(0, 3).text() == "Köad"
    assert dialog.table.item(0, 1).text() == "Registrering – Anna Öberg"

    proxy.restore()
    qtbot.waitUntil(lambda: not window.queued_work.counter.isVisible(), timeout=10_000)
    assert dialog.table.item(0, 3).text() == "Skickad"
    assert _count(server, Person, Person.personnummer == "198507099805", Person.first_name == "Anna",
                  Person.last_name == "Öberg") == 1
    assert _count(server, Card, Card.card_number == "0004520100") == 1
    assert _count(server, ExecutedCommand, ExecutedCommand.command_id == command_id) == 1
    dialog.close()


def test_a_card_taken_by_another_desk_meanwhile_is_a_conflict_corrected_and_sent_again(qtbot, desk, make_actor):
    window, proxy, server, cat, queued_boxes = desk
    _register_offline(qtbot, window, proxy, cat, queued_boxes)
    _another_desk_takes_the_card(server, cat, make_actor)

    proxy.restore()
    qtbot.waitUntil(lambda: window.queued_work.counter.text() == "Köade åtgärder: 1 konflikt", timeout=10_000)
    assert _count(server, Person) == 1                          # only Bo: Anna waits in the conflict list
    dialog = window.queued_work.show_dialog()
    assert dialog.table.item(0, 3).text() == "Konflikt"
    assert "kort" in dialog.table.item(0, 4).text().lower()
    assert dialog.correct_button.isEnabled()

    entry = dialog.current()
    correct = CorrectDialog(dialog, window.services, entry)
    qtbot.addWidget(correct)
    correct.show()
    card = correct.findChild(QLineEdit, "field_access_card_number")
    assert card.text() == "0004520100" and correct.findChild(QLineEdit, "field_person_first_name").text() == "Anna"
    card.setFocus()
    card.selectAll()
    qtbot.keyClicks(card, "0004520199")
    qtbot.keyClick(card, Qt.Key.Key_Return)                     # Enter = Skicka igen
    qtbot.waitUntil(lambda: not correct.isVisible(), timeout=3000)
    outbox = window.services.core.outbox
    qtbot.waitUntil(lambda: outbox.get(entry.command_id).state == "sent", timeout=10_000)
    assert _count(server, Person, Person.first_name == "Anna") == 1
    assert _count(server, Card, Card.card_number == "0004520199") == 1
    qtbot.waitUntil(lambda: not window.queued_work.counter.isVisible(), timeout=5000)
    dialog.close()


def test_a_conflict_discarded_needs_a_reason_and_is_audited(qtbot, desk, make_actor):
    window, proxy, server, cat, queued_boxes = desk
    _register_offline(qtbot, window, proxy, cat, queued_boxes)
    _another_desk_takes_the_card(server, cat, make_actor)
    proxy.restore()
    qtbot.waitUntil(lambda: window.queued_work.counter.text() == "Köade åtgärder: 1 konflikt", timeout=10_000)
    dialog = window.queued_work.show_dialog()
    discard = DiscardDialog(dialog, window.services, dialog.current())
    qtbot.addWidget(discard)
    discard.show()
    reason = discard.findChild(QLineEdit, "discard_reason")
    qtbot.keyClick(reason, Qt.Key.Key_Return)                   # no reason: refused at the field
    assert discard.isVisible() and discard.error.text() == "Skriv varför åtgärden kasseras."
    assert dialog.current().state == "conflict"
    qtbot.keyClicks(reason, "Kunden kommer tillbaka i morgon")
    qtbot.keyClick(reason, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: not discard.isVisible(), timeout=3000)
    qtbot.waitUntil(lambda: _count(server, AuditEntry, AuditEntry.action == "Kassera köad åtgärd") == 1,
                    timeout=10_000)
    with server.sessions() as s:
        details = s.scalar(select(AuditEntry.details).where(AuditEntry.action == "Kassera köad åtgärd"))
    assert "Kunden kommer tillbaka i morgon" in details and "Öberg" in details
    dialog.reload()
    states = {dialog.table.item(r, 1).text(): dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}
    assert states["Registrering – Anna Öberg"] == "Kasserad"
    qtbot.waitUntil(lambda: states_now(dialog).get("Kassera köad åtgärd – Registrering – Anna Öberg") == "Skickad",
                    timeout=5000)
    qtbot.waitUntil(lambda: not window.queued_work.counter.isVisible(), timeout=3000)
    dialog.close()


def states_now(dialog) -> dict[str, str]:
    dialog.reload()
    return {dialog.table.item(r, 1).text(): dialog.table.item(r, 3).text() for r in range(dialog.table.rowCount())}
