"""Issue 17 acceptance through the real registration wizard: a new private customer on Gym AG with a mandate
(typed into the pages) → medgivanden exported → Bankgirot's approval read → the month's betalningsunderlag →
a specification with the debit failed → the person card shows "Autogirodragning misslyckades"; each
step run again changes nothing."""
from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.autogiro.routines import ExportCommand, ExportDebits, ExportMandates, ImportBankgirotFile, ImportCommand
from app.queries.person_card import load_person_card
from db.models import AutogiroDebit, AutogiroMandate, Invoice, Person, Subscription
from tests.app import bgc_files
from tests.app import builders
from devices.hub import CardReaderHub
from tests.wizards.conftest import Driver
from widgets.services import Bus, UiServices
from tests.wizards.test_new_private_customer import choose_photo, photo_file, run_to_inpassering
from wizards.base import PageId
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def _rows(core) -> tuple:
    with core.sessions() as s:
        return (sorted(s.execute(select(AutogiroMandate.id, AutogiroMandate.status)).all()),
                sorted(s.execute(select(AutogiroDebit.id, AutogiroDebit.status)).all()),
                s.scalar(select(func.count()).select_from(Invoice)),
                sorted(s.execute(select(Subscription.id, Subscription.charged_through)).all()))


@pytest.fixture
def desk(core, make_actor, tmp_path, postal_codes, error_box, confirm) -> UiServices:
    """The wizards' desk (tests/wizards/conftest.py `services`) on either database."""
    s = UiServices(core=core, actor=make_actor(core, "recep"), bus=Bus(), user_data_dir=tmp_path / "data",
                   cards=CardReaderHub(), postal=postal_codes)
    s.extra["camera_source"] = None
    yield s
    for wizard in list(s.extra.get("open_wizards", [])):
        wizard._entered = False
        wizard.reject()


def test_registered_in_the_wizard_then_the_whole_autogiro_loop(qtbot, desk, core, make_actor, tmp_path):
    """On SQLite and PostgreSQL."""
    services, sqlite_core = desk, core
    cat = builders.build_catalog(core)
    builders.settings(sqlite_core, autogiro_bankgiro="5050-1055", autogiro_customer_number="123456")
    d = Driver(qtbot, start_new_private_customer(services))
    run_to_inpassering(d, cat)
    choose_photo(d, photo_file(tmp_path))
    d.type(d.page().card_number, "0004520100")
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == "198507099805"))
        payer = str(person.customer_number)
    admin = make_actor(sqlite_core, "admin")
    folder = tmp_path / "bankgirot"
    folder.mkdir()
    core = sqlite_core

    assert ExportMandates(core).execute(ExportCommand(str(folder)), admin).records == 1
    assert ExportMandates(core).execute(ExportCommand(str(folder)), admin).file_name is None
    advice = bgc_files.mandate_advice(tmp_path / "medavi.txt", [(payer, "32", "04", "5000", "1234560",
                                                                "198507099805")],
                                      on=date(2026, 11, 24), customer="123456", bankgiro="50501055")
    ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin)
    before = _rows(core)
    assert ImportBankgirotFile(core).execute(ImportCommand(str(advice)), admin).already_read and _rows(core) == before

    debits = ExportDebits(core).execute(ExportCommand(str(folder)), admin)
    assert (debits.records, debits.total_ore) == (1, 40000)
    before = _rows(core)
    assert ExportDebits(core).execute(ExportCommand(str(folder)), admin).file_name is None and _rows(core) == before
    with core.sessions() as s:
        reference = str(s.scalar(select(Invoice.invoice_number).where(Invoice.kind == "autogiro")))
    spec = bgc_files.payment_spec(tmp_path / "bet.txt", [bgc_files.Paid(payer, 40000, reference, "1")],
                                  on=date(2026, 11, 27), customer="123456", bankgiro="50501055")
    ImportBankgirotFile(core).execute(ImportCommand(str(spec)), admin)
    before = _rows(core)
    assert ImportBankgirotFile(core).execute(ImportCommand(str(spec)), admin).already_read and _rows(core) == before

    with core.sessions() as s:
        card = load_person_card(s, admin, person.id, core.clock.today())
    assert "Autogirodragning misslyckades 2026-11-27" in [dev.text for dev in card.deviations.top]
    assert [(row.status, row.period_to) for row in card.autogiro_debits] == [("misslyckad", date(2027, 1, 21))]
    assert [event.event for event in card.mandate_history] == ["godkand", "skickad"]
