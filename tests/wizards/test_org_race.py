"""Two desks, one pre-order: the wizards of flow 3 at two desks completing on the same pre-order.

Each desk has its own Core and engine on the same database, as two PCs would. On PostgreSQL the two
Slutför really overlap: desk 2's routine has validated (the pre-order is open) when desk 1 presses
Slutför and commits; desk 2's conditional UPDATE then finds the pre-order used. On SQLite a desk takes
the write lock for the whole transaction, so there desk 2 comes strictly second. Either way one desk
wins, the other sees a clear message at the Förbeställningar page and nothing of its own is written.
"""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from app.context import Core
from app.routines.register import PREORDER_USED_MESSAGE, RegisterRoutine
from db.engine import make_engine, make_session_factory
from db.models import Order, Person, PreOrder, Subscription
from devices.hub import CardReaderHub
from tests.app import builders as b
from tests.wizards.conftest import Driver
from tests.wizards.test_org_flows import legitimering, personuppgifter, sok_organisation, wait_preorders
from widgets.services import Bus, UiServices
from wizards.base import PageId
from wizards.organisation import start_new_organisation_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

BIRTH = date(1985, 7, 9)
DESK_PNR = {"Kassa 1": b.pnr("19850709", "123"), "Kassa 2": b.pnr("19850709", "456")}


class TwoDesks:
    """Two desks on one database: a Core and engine each, and the wizards they opened."""

    def __init__(self, url: str, clock, make_actor, tmp_path, postal) -> None:
        self.engines = [make_engine(url), make_engine(url)]
        self.services: list[UiServices] = []
        for i, engine in enumerate(self.engines, start=1):
            core = Core(sessions=make_session_factory(engine), clock=clock, desk=f"Kassa {i}")
            s = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(),
                           user_data_dir=tmp_path / f"kassa{i}", cards=CardReaderHub(), postal=postal)
            s.extra["camera_source"] = None
            self.services.append(s)

    def close(self) -> None:
        for s in self.services:
            for wizard in list(s.extra.get("open_wizards", [])):
                wizard._entered = False
                wizard.reject()
        for engine in self.engines:
            engine.dispose()


@pytest.fixture
def desks_on(clock, make_actor, tmp_path, postal_codes, error_box, confirm):
    opened: list[TwoDesks] = []

    def make(url: str) -> TwoDesks:
        desks = TwoDesks(url, clock, make_actor, tmp_path, postal_codes)
        opened.append(desks)
        return desks

    yield make
    for desks in opened:
        desks.close()


def shared_preorder(core, cat_holder: list) -> tuple[int, int]:
    """An organisation using pre-orders with one open pre-order by birth date (both applicants match)."""
    cat = b.build_catalog(core)
    cat_holder.append(cat)
    b.settings(core, preorders_enabled=True)
    org = b.add_organisation(core, "Företag AB", price_list_id=cat.org_list, uses_preorders=True)
    return org, b.add_preorder(core, org, cat.gym_kontant, birth_date=BIRTH, name="Anställd Företag AB")


def to_summary(qtbot, services: UiServices, preorder_id: int) -> Driver:
    d = Driver(qtbot, start_new_organisation_customer(services))
    sok_organisation(d, "foretag", "Företag AB")
    legitimering(d)
    personuppgifter(d, PageId.FORBESTALLNINGAR, pnr=DESK_PNR[services.core.desk],
                    first="Anna" if services.core.desk == "Kassa 1" else "Britt")
    page = wait_preorders(d)
    assert page.preorder_id() == preorder_id  # matched by birth date at both desks
    d.next(PageId.PRODUKTER)
    d.next(PageId.INPASSERING)
    d.next(PageId.SAMMANFATTNING)
    return d


class OtherDeskFinishesMeanwhile(RegisterRoutine):
    """Desk 2's routine: once it has validated (the pre-order still open), desk 1 presses Slutför."""

    def __init__(self, core, other_desk_finish) -> None:
        super().__init__(core)
        self.other_desk_finish = other_desk_finish

    def validate(self, session, command) -> None:
        super().validate(session, command)
        finish, self.other_desk_finish = self.other_desk_finish, None
        if finish is not None:
            finish()


def assert_only_desk_1_wrote(core, preorder_id: int, d2: Driver) -> None:
    assert d2.wizard.isVisible()  # desk 2 stays open with everything intact
    assert d2.wizard.currentId() == PageId.FORBESTALLNINGAR  # back at the pre-order
    with core.sessions() as s:
        people = s.scalars(select(Person)).all()
        assert [p.personnummer for p in people] == [DESK_PNR["Kassa 1"].replace("-", "")]
        winner = people[0].id
        assert {sub.user_id for sub in s.scalars(select(Subscription))} == {winner}
        assert [o.person_id for o in s.scalars(select(Order))] == [winner]
        pre = s.get(PreOrder, preorder_id)
        assert (pre.status, pre.used_by_person_id) == ("utnyttjad", winner)


@pytest.mark.pg
def test_two_desks_finish_on_one_preorder_at_the_same_moment(qtbot, pg_db, desks_on, error_box):
    desks = desks_on(pg_db.url)
    holder: list = []
    org, preorder = shared_preorder(desks.services[0].core, holder)
    d1 = to_summary(qtbot, desks.services[0], preorder)
    d2 = to_summary(qtbot, desks.services[1], preorder)
    d2.wizard.routine = OtherDeskFinishesMeanwhile(desks.services[1].core, d1.finish)

    d2.finish()  # desk 2 validates, desk 1 finishes and commits, then desk 2 tries to write
    assert not d1.wizard.isVisible()  # desk 1 succeeded
    page = d2.page()
    assert page.message.isVisible() and page.message.text() == PREORDER_USED_MESSAGE
    assert error_box.calls == []
    assert_only_desk_1_wrote(desks.services[0].core, preorder, d2)


def test_second_desk_on_a_used_preorder_is_refused_and_writes_nothing(qtbot, sqlite_db, desks_on, error_box):
    desks = desks_on(sqlite_db.url)
    holder: list = []
    org, preorder = shared_preorder(desks.services[0].core, holder)
    d1 = to_summary(qtbot, desks.services[0], preorder)
    d2 = to_summary(qtbot, desks.services[1], preorder)
    d1.finish()
    assert not d1.wizard.isVisible()
    before = b.counts(desks.services[1].core)
    d2.finish()
    page = d2.page()
    assert page.message.isVisible() and page.message.text() == "Förbeställningen har redan utnyttjats vid en annan kassa."
    assert b.counts(desks.services[1].core) == before
    assert_only_desk_1_wrote(desks.services[0].core, preorder, d2)
    # The list is reloaded: the used pre-order is gone, so Nästa waits for another choice.
    qtbot.waitUntil(lambda: not page.busy and page.model.rowCount() == 0)
    assert not d2.next_button.isEnabled()
