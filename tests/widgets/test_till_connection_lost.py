"""A till payment while the link to the shared database is cut: a Swedish message, the order stays
open, and paying again when the link is back takes the money once (real PostgreSQL behind a proxy)."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.context import Core
from db.engine import make_engine, make_session_factory
from db.models import Payment
from tests.app.sync.proxy import TcpProxy
from tests.app.test_orders import FEE, charge, make_person
from tests.widgets.test_till import Errors, answer_payment_question
from widgets.services import Bus, UiServices
from widgets.till.window import TillWindow

pytestmark = [pytest.mark.pg, pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                                        r"This plugin does not support raise\(\)")]


def test_pay_with_the_link_cut_says_so_and_paying_again_takes_the_money_once(qtbot, pg_db, clock, make_actor,
                                                                            tmp_path, monkeypatch):
    proxy = TcpProxy.for_url(pg_db.url)
    engine = make_engine(proxy.url(pg_db.url))
    try:
        core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1")
        actor = make_actor(core, "recep")
        order_id = charge(core, actor, make_person(core), FEE)
        errors = Errors()
        monkeypatch.setattr(TillWindow, "error_box", staticmethod(errors))
        till = TillWindow(UiServices(core=core, actor=actor, bus=Bus(), user_data_dir=tmp_path / "data"))
        qtbot.addWidget(till)
        till.show_order(order_id)
        qtbot.waitUntil(lambda: not till.busy and till.summary is not None, timeout=5000)
        proxy.reset()
        answer_payment_question(qtbot)
        till.pay("kort")
        qtbot.waitUntil(lambda: bool(errors.shown), timeout=10000)
        assert errors.shown[0].message.startswith("Kontakten med databasen bröts – inget sparades")
        qtbot.waitUntil(lambda: not till.busy, timeout=10000)
        proxy.restore()
        first = till._unconfirmed_payment
        till.show_order(order_id)
        qtbot.waitUntil(lambda: not till.busy and till.summary is not None and till.summary.status == "oppen",
                        timeout=5000)
        answer_payment_question(qtbot)
        till.pay("kort")
        qtbot.waitUntil(lambda: not till.busy and till._unconfirmed_payment is None, timeout=10000)
        with make_session_factory(pg_db.engine)() as session:
            assert session.scalar(select(func.count()).select_from(Payment)) == 1
        assert first is not None  # the retry reused the first attempt's command (and its command_id)
        till.close()
    finally:
        engine.dispose()
        proxy.close()
