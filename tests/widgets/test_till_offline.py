"""The till offline: it says at once that it takes no payments (orders live on the server), and a
payment tried anyway is refused with the reason and writes nothing."""
from __future__ import annotations

import pytest

from app.errors import NeedsServer
from app.routines.pay_order import PayOrder, PayOrderRoutine
from app.sync.connectivity import Connectivity
from widgets.services import Bus, UiServices
from widgets.till.window import TILL_OFFLINE, TillWindow


def test_the_till_says_it_takes_no_payments_offline_and_refuses_one(qtbot, sqlite_core, make_actor, tmp_path, clock):
    sqlite_core.connectivity = Connectivity(clock, online=True)
    actor = make_actor(sqlite_core, "recep")
    till = TillWindow(UiServices(core=sqlite_core, actor=actor, bus=Bus(), user_data_dir=tmp_path))
    qtbot.addWidget(till)
    till.show()
    qtbot.waitExposed(till)
    assert not till.offline_label.isVisible()
    sqlite_core.connectivity.set_online(False)                 # as the monitor does, from its thread
    qtbot.waitUntil(till.offline_label.isVisible, timeout=1000)
    assert till.offline_label.text() == TILL_OFFLINE and "tar inte betalt" in TILL_OFFLINE
    with pytest.raises(NeedsServer) as err:
        PayOrderRoutine(sqlite_core).execute(PayOrder(order_id=1, method="kontant", received_ore=10000), actor)
    assert err.value.message.startswith("Betala order kan inte göras utan kontakt med servern")
    sqlite_core.connectivity.set_online(True)
    qtbot.waitUntil(lambda: not till.offline_label.isVisible(), timeout=1000)
    till.close()
