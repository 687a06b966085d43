"""Slutför while the link to the shared database is cut: the wizard says so in Swedish and stays open
with everything typed; Slutför again when the link is back registers the person exactly once."""
from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.context import Core
from db.engine import make_engine, make_session_factory
from db.models import Card, ExecutedCommand, Person
from devices.hub import CardReaderHub
from tests.app import builders
from tests.app.sync.proxy import TcpProxy
from tests.wizards.conftest import Driver
from tests.wizards.test_new_private_customer import run_to_inpassering
from widgets.services import Bus, UiServices
from wizards.base import PageId
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.pg


@pytest.fixture
def pg_services(pg_db, clock, make_actor, tmp_path, postal_codes, error_box, confirm):
    proxy = TcpProxy.for_url(pg_db.url)
    engine = make_engine(proxy.url(pg_db.url))
    core = Core(sessions=make_session_factory(engine), clock=clock, desk="Kassa 1")
    s = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path / "data",
                   cards=CardReaderHub(), postal=postal_codes)
    s.extra["camera_source"] = None
    s.proxy = proxy
    yield s
    for wizard in list(s.extra.get("open_wizards", [])):
        wizard._entered = False
        wizard.reject()
    engine.dispose()
    proxy.close()


def _count(pg_db, model) -> int:
    with make_session_factory(pg_db.engine)() as session:
        return session.scalar(select(func.count()).select_from(model))


def test_slutfor_with_the_link_cut_keeps_the_wizard_and_the_retry_registers_once(qtbot, pg_services, pg_db,
                                                                                 error_box):
    cat = builders.build_catalog(pg_services.core)
    d = Driver(qtbot, start_new_private_customer(pg_services))
    run_to_inpassering(d, cat)
    d.type(d.page().card_number, "0004520100")
    d.next(PageId.SAMMANFATTNING)
    pg_services.proxy.reset()
    d.finish()
    assert d.wizard.isVisible() and d.wizard.currentId() == PageId.SAMMANFATTNING
    assert error_box.calls and "Kontakten med databasen bröts – inget sparades, dina uppgifter finns kvar" in \
        str(error_box.calls[-1])
    assert "Anna Öberg" in d.page().details.text() and "0004520100" in d.page().details.text()
    assert _count(pg_db, Person) == 0 and _count(pg_db, Card) == 0
    pg_services.proxy.restore()
    d.finish()
    qtbot.waitUntil(lambda: not d.wizard.isVisible(), timeout=5000)
    assert _count(pg_db, Person) == 1 and _count(pg_db, Card) == 1 and _count(pg_db, ExecutedCommand) == 1
