"""The desk's queued work in the window: the line above the open person card (read your writes), the
status-bar counter, Köade åtgärder only on a desk that can queue; an offline routine that cannot wait
is refused with its reason and nothing is queued."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtWidgets import QLabel

from app.errors import NeedsServer, QueuedOffline
from app.routines.person_edit import UpdateMessages, UpdateMessagesRoutine
from app.routines.subscriptions.freeze import FreezeSubscription, FreezeSubscriptionRoutine
from app.sync.connectivity import Connectivity
from app.sync.outbox import Outbox
from tests.app import builders
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices


@pytest.fixture
def window(qtbot, sqlite_core, make_actor, tmp_path, clock):
    core = sqlite_core
    core.connectivity = Connectivity(clock, online=True)
    core.outbox = Outbox(tmp_path / "replica" / "desk.outbox.db")
    services = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    w = MainWindow(services)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    w.close()
    core.outbox.close()


def test_a_freeze_queued_offline_shows_above_the_members_card_and_in_the_counter(qtbot, window):
    core = window.services.core
    cat = builders.build_catalog(core)
    anna = builders.add_person(core)
    gym = builders.add_subscription(core, anna, cat.gym_ag, start=date(2026, 1, 1), charged_through=date(2026, 11, 30))
    core.connectivity.set_online(False)
    with pytest.raises(QueuedOffline):
        FreezeSubscriptionRoutine(core).execute(FreezeSubscription(gym, date(2026, 12, 1), date(2027, 1, 31)),
                                                window.services.actor)
    [entry] = core.outbox.pending()
    assert entry.person_id == anna and entry.summary == "Frys – Anna Öberg"
    window.open_person(anna)
    line = window.queued_work.person_line
    qtbot.waitUntil(line.isVisible, timeout=2000)
    assert line.text().startswith("Köad: Frys (") and line.text().endswith("skickas när kontakten är tillbaka")
    qtbot.waitUntil(lambda: window.queued_work.counter.text() == "Köade åtgärder: 1 köad", timeout=2000)
    assert window.queued_action.text() == "Köade å&tgärder…"

    other = builders.add_person(core, builders.person_data("900101-1239", first="Bo", last="Ek"))
    window.open_person(other)                         # another member: not Anna's queued work
    qtbot.waitUntil(lambda: not line.isVisible(), timeout=2000)

    core.outbox.mark_conflict(entry.command_id, "Abonnemanget har ändrats.")
    window.open_person(anna)
    qtbot.waitUntil(lambda: line.isVisible() and line.text().startswith("Konflikt: Frys – Abonnemanget har ändrats."),
                    timeout=2000)
    qtbot.waitUntil(lambda: window.queued_work.counter.text() == "Köade åtgärder: 1 konflikt", timeout=2000)


def test_a_routine_that_cannot_wait_is_refused_offline_and_nothing_is_queued(qtbot, window):
    core = window.services.core
    anna = builders.add_person(core)
    core.connectivity.set_online(False)
    with pytest.raises(NeedsServer) as err:
        UpdateMessagesRoutine(core).execute(UpdateMessages(anna, "Hej", ""), window.services.actor)
    assert "kan inte göras utan kontakt med servern" in err.value.message
    assert core.outbox.entries() == [] and not window.queued_work.counter.isVisible()


def test_an_embedded_desk_has_no_queue(qtbot, sqlite_core, make_actor, tmp_path):
    services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(), user_data_dir=tmp_path)
    w = MainWindow(services)
    qtbot.addWidget(w)
    assert w.queued_work is None and not hasattr(w, "queued_action")
    assert not [a for a in w.findChildren(QLabel) if a.objectName() == "queued_for_person"]
