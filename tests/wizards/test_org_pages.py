"""The pages Sök organisation and Förbeställningar on their own: models, type-ahead, the new pre-order dialog."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt

from app.queries.catalog import OrganisationRow
from app.routines.person_data import validate_person_data
from tests.app import builders as b
from widgets.services import Bus, UiServices
from wizards.base import PageId, ReceptionWizard
from wizards.pages.forbestallningar import (ForbestallningarPage, NewPreOrderDialog, PreOrderContext,
                                            PreOrderEntry, PreOrderTableModel, check_new_preorder)
from wizards.pages.sok_organisation import OrganisationTableModel, SokOrganisationPage

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

PNR = "198507099805"


@pytest.fixture
def services(sqlite_core, make_actor, tmp_path) -> UiServices:
    return UiServices(core=sqlite_core, actor=make_actor(sqlite_core, "recep"), bus=Bus(),
                      user_data_dir=tmp_path / "data")


@pytest.fixture
def cat(sqlite_core):
    return b.build_catalog(sqlite_core)


def type_text(qtbot, widget, text: str) -> None:
    """Type like a receptionist; QTest cannot type non-ASCII keys, so å, ä, ö go as key events with their text."""
    from PySide6.QtCore import QEvent
    from PySide6.QtGui import QKeyEvent
    from PySide6.QtWidgets import QApplication

    for ch in text:
        if ch.isascii():
            qtbot.keyClicks(widget, ch)
        else:
            for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
                QApplication.sendEvent(widget, QKeyEvent(kind, Qt.Key.Key_unknown, Qt.KeyboardModifier.NoModifier, ch))


def host(qtbot, services, page_id, page) -> ReceptionWizard:
    wizard = ReceptionWizard(services, "Test")
    wizard.confirm_cancel = staticmethod(lambda parent: True)
    wizard.setPage(page_id, page)
    qtbot.addWidget(wizard)
    wizard.show()
    page.host_wizard = wizard  # qtbot keeps only a weak reference
    return wizard


def org_names(page) -> list[str]:
    return [row.name for row in page.model.rows]


# -- Sök organisation -------------------------------------------------------------


def test_organisation_model_passes_the_model_tester(qtmodeltester):
    model = OrganisationTableModel()
    model.set_rows([OrganisationRow(1, "Företag AB", "556016-0680", 3, "Företag AB-avtal", True, "Karin"),
                    OrganisationRow(2, "Bolaget", "556074-3089", None, None, False, None)])
    qtmodeltester.check(model)
    assert model.data(model.index(1, 2)) == "Ordinarie (ingen egen prislista)"
    assert model.data(model.index(0, 3)) == "Ja" and model.data(model.index(1, 4)) == "–"


def test_type_ahead_finds_by_name_prefix_and_orgnr_and_enables_next(qtbot, services, sqlite_core, cat):
    b.add_organisation(sqlite_core, "Företag AB", "556016-0680", price_list_id=cat.org_list)
    b.add_organisation(sqlite_core, "Förening Bad", "556074-3089")
    b.add_organisation(sqlite_core, "Annat AB", "556005-1467")
    page = SokOrganisationPage(services)
    wizard = host(qtbot, services, PageId.SOK_ORGANISATION, page)
    next_button = wizard.button(wizard.WizardButton.NextButton)
    assert not page.isComplete()

    type_text(qtbot, page.search, "för")
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == ["Förening Bad", "Företag AB"])
    assert page.organisation().name == "Förening Bad"  # the first hit is chosen: Enter goes on
    assert page.isComplete()
    qtbot.keyClick(page.search, Qt.Key.Key_Down)
    assert page.organisation().name == "Företag AB"

    page.search.clear()
    qtbot.keyClicks(page.search, "5560051467")
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == ["Annat AB"])

    page.search.clear()
    qtbot.keyClicks(page.search, "Ingen sådan")
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == [])
    assert "Ingen organisation matchar" in page.status.text()
    assert not page.isComplete() and not next_button.isEnabled()


def test_flow_4_suggests_the_organisations_with_a_preorder_for_the_person(qtbot, services, sqlite_core, cat):
    b.settings(sqlite_core, preorders_enabled=True)
    holder = b.add_organisation(sqlite_core, "Zeta AB", "556016-0680", uses_preorders=True)
    b.add_organisation(sqlite_core, "Alfa AB", "556074-3089", uses_preorders=True)
    b.add_preorder(sqlite_core, holder, cat.gym_ag, personnummer=PNR)
    page = SokOrganisationPage(services, personnummer=PNR)
    host(qtbot, services, PageId.SOK_ORGANISATION, page)
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == ["Zeta AB"])
    assert "förbeställning för kunden" in page.status.text()
    assert page.organisation().id == holder

    qtbot.keyClicks(page.search, "alfa")
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == ["Alfa AB"])
    page.search.clear()
    qtbot.keyClicks(page.search, "x")
    qtbot.keyClick(page.search, Qt.Key.Key_Backspace)  # emptied again: the suggestions come back
    qtbot.waitUntil(lambda: not page.busy and org_names(page) == ["Zeta AB"])


def test_stale_answers_are_dropped(qtbot, services, sqlite_core, cat):
    b.add_organisation(sqlite_core, "Företag AB", "556016-0680")
    b.add_organisation(sqlite_core, "Bolaget AB", "556074-3089")
    page = SokOrganisationPage(services)
    host(qtbot, services, PageId.SOK_ORGANISATION, page)
    answers: list[list[str]] = []
    page.query.submit(lambda s: ["gammal"], answers.append, answers.append)
    page.query.submit(lambda s: ["ny"], answers.append, answers.append)
    qtbot.waitUntil(lambda: not page.query.busy)
    qtbot.wait(50)
    assert answers == [["ny"]]


# -- Förbeställningar ------------------------------------------------------------------


def test_preorder_model_passes_the_model_tester(qtmodeltester):
    model = PreOrderTableModel()
    new = check_new_preorder(product_id=7, valid_from=b.TODAY, valid_to=date(2027, 11, 21), name="Anna Öberg",
                             personnummer="19850709-9805", birth_date_text="", email="anna@example.se",
                             person=validate_person_data(b.person_data(), b.TODAY), today=b.TODAY)
    model.set_rows([PreOrderEntry.added(new, "Gym AG", b.TODAY),
                    PreOrderEntry(5, "Bo Ek", None, date(1990, 1, 2), 7, "Gym AG", b.TODAY, b.TODAY, "bo@x.se")])
    qtmodeltester.check(model)
    assert model.data(model.index(0, 1)) == "19850709-9805"
    assert model.data(model.index(0, 4)) == "Ny" and model.data(model.index(1, 4)) == "Öppen"
    assert "skapas vid Slutför" in model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole)
    assert model.data(model.index(1, 1)) == "född 1990-01-02"


def preorder_page(qtbot, services, org_id, person=None):
    from app.queries.catalog import organisation

    with services.core.sessions() as s:
        org = organisation(s, org_id)
    data = validate_person_data(person or b.person_data(), b.TODAY)
    page = ForbestallningarPage(services, lambda: PreOrderContext(org, data))
    host(qtbot, services, PageId.FORBESTALLNINGAR, page)
    qtbot.waitUntil(lambda: not page.busy and page._loaded is not None)
    return page


def preorder_names(page) -> list[str]:
    return [e.name for e in page.model.rows()]


def test_the_persons_own_preorders_first_matched_by_personnummer_or_birth_date(qtbot, services, sqlite_core, cat):
    b.settings(sqlite_core, preorders_enabled=True)
    org = b.add_organisation(sqlite_core, price_list_id=cat.org_list, uses_preorders=True)
    mine = b.add_preorder(sqlite_core, org, cat.gym_kontant, personnummer=PNR, name="Anna Öberg")
    by_birth = b.add_preorder(sqlite_core, org, cat.gym_ag, birth_date=date(1985, 7, 9), name="A. Öberg")
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=b.pnr("19900101").replace("-", ""), name="Bo Ek")
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=PNR, name="Utgången", valid_to=date(2026, 11, 1))
    page = preorder_page(qtbot, services, org)
    assert sorted(e.id for e in page.model.rows()) == sorted([mine, by_birth])
    assert page.isComplete() and page.preorder_id() in (mine, by_birth)
    assert "Förbeställningar för Anna Öberg" in page.status.text()

    qtbot.keyClicks(page.search, "bo")
    qtbot.waitUntil(lambda: not page.busy and preorder_names(page) == ["Bo Ek"])


def test_without_own_preorders_all_open_ones_are_listed_and_searchable(qtbot, services, sqlite_core, cat):
    b.settings(sqlite_core, preorders_enabled=True)
    org = b.add_organisation(sqlite_core, price_list_id=cat.org_list, uses_preorders=True)
    other = b.add_organisation(sqlite_core, "Annat AB", "556074-3089", uses_preorders=True)
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=b.pnr("19900101").replace("-", ""), name="Bo Ek")
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=b.pnr("19910101").replace("-", ""), name="Cia Al")
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=b.pnr("19920101").replace("-", ""), name="Anv",
                   status="borttagen")
    b.add_preorder(sqlite_core, other, cat.gym_ag, personnummer=b.pnr("19930101").replace("-", ""), name="Dan")
    page = preorder_page(qtbot, services, org)
    assert preorder_names(page) == ["Bo Ek", "Cia Al"]
    assert "har ingen förbeställning" in page.status.text()
    assert not page.isComplete()  # someone else's pre-order is never chosen for the receptionist

    qtbot.keyClicks(page.search, "19910101")
    qtbot.waitUntil(lambda: not page.busy and preorder_names(page) == ["Cia Al"])
    assert page.isComplete()
    assert not page.validatePage()  # another person's pre-order is refused at once
    assert "annan person" in page.message.text()


def fill_dialog(qtbot, dialog: NewPreOrderDialog, **texts) -> None:
    for name, text in texts.items():
        edit = getattr(dialog, name)
        edit.clear()
        type_text(qtbot, edit, text)


def test_new_preorder_dialog_is_prefilled_and_refuses_bad_input(qtbot, services, sqlite_core, cat):
    from app.queries.catalog import main_products

    with sqlite_core.sessions() as s:
        products = main_products(s, cat.org_list)
    person = validate_person_data(b.person_data(), b.TODAY)
    dialog = NewPreOrderDialog(None, organisation_name="Företag AB", products=products, person=person,
                               today=b.TODAY)
    qtbot.addWidget(dialog)
    assert dialog.name.text() == "Anna Öberg"
    assert dialog.personnummer.text() == "19850709-9805"
    assert dialog.email.text() == "anna@example.se"
    assert [dialog.product.itemText(i) for i in range(dialog.product.count())] == ["Gym AG", "Gym 12 månader"]

    fill_dialog(qtbot, dialog, email="inte-en-adress")
    dialog.add_button.click()
    assert dialog.result() != dialog.DialogCode.Accepted
    assert "giltig e-postadress" in dialog.errors["preorder_email"].text()

    fill_dialog(qtbot, dialog, email="anna@example.se", personnummer="19900101-0008")
    dialog.add_button.click()
    assert "stämmer inte" in dialog.errors["preorder_personnummer"].text()

    fill_dialog(qtbot, dialog, personnummer="", birth_date="1985-07-10")
    dialog.add_button.click()
    assert "Födelsedatumet stämmer inte" in dialog.errors["preorder_birth_date"].text()

    fill_dialog(qtbot, dialog, birth_date="1985-07-09")
    dialog.valid_from.setDate(dialog.valid_from.date().addDays(3))
    dialog.add_button.click()
    assert "gälla idag" in dialog.errors["preorder_valid_from"].text()

    dialog.valid_from.setDate(dialog.valid_from.date().addDays(-3))
    dialog.product.setCurrentIndex(1)
    dialog.add_button.click()
    assert dialog.result() == dialog.DialogCode.Accepted
    new = dialog.result_value
    assert (new.product_id, new.personnummer, new.birth_date, new.name) == (
        cat.gym_kontant, "", date(1985, 7, 9), "Anna Öberg")


def test_lagg_till_forbestallning_puts_the_new_one_first_and_chooses_it(qtbot, services, sqlite_core, cat,
                                                                        monkeypatch):
    b.settings(sqlite_core, preorders_enabled=True)
    org = b.add_organisation(sqlite_core, price_list_id=cat.org_list, uses_preorders=True)
    b.add_preorder(sqlite_core, org, cat.gym_ag, personnummer=b.pnr("19900101").replace("-", ""), name="Bo Ek")
    page = preorder_page(qtbot, services, org)

    def drive(dialog) -> int:
        dialog.product.setCurrentIndex(dialog.product.findText("Gym 12 månader"))
        dialog.add_button.click()
        return dialog.result()

    monkeypatch.setattr(NewPreOrderDialog, "exec", drive)
    qtbot.mouseClick(page.add_button, Qt.MouseButton.LeftButton)
    assert preorder_names(page) == ["Anna Öberg", "Bo Ek"]
    assert page.preorder_id() is None
    assert page.new_preorder().product_id == cat.gym_kontant
    assert page.chosen_product_id() == cat.gym_kontant
    assert "skapas vid Slutför" in page.chosen.text()

    page.table.selectRow(1)
    assert page.new_preorder() is None and page.preorder_id() is not None
