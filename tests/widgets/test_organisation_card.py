"""Sök organisation and the organisation card, driven like a user: type, Enter, click, Spara."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication

from app.settings import save_setting
from db.models import Organisation
from tests.app.orgdata import add_preorder, build_orgs
from widgets.organisation_card import NO_RIGHT, OrganisationCardWidget
from widgets.organisation_search import OrganisationSearchPanel, OrganisationTableModel
from widgets.preorders.admin import PreOrderAdminDialog
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")


@pytest.fixture
def orgs(sqlite_core):
    return build_orgs(sqlite_core)


@pytest.fixture
def make_services(sqlite_core, make_actor, tmp_path):
    def make(username: str = "admin") -> UiServices:
        return UiServices(core=sqlite_core, actor=make_actor(sqlite_core, username), bus=Bus(),
                          user_data_dir=tmp_path)
    return make


@pytest.fixture
def make_card(qtbot, make_services):
    def make(org_id: int, username: str = "admin") -> OrganisationCardWidget:
        card = OrganisationCardWidget(make_services(username))
        qtbot.addWidget(card)
        card.resize(820, 560)
        card.show()
        with qtbot.waitSignal(card.loaded, timeout=5000):
            card.show_organisation(org_id)
        return card
    return make


def set_preorders_enabled(core, on: bool) -> None:
    with core.sessions() as s, s.begin():
        save_setting(s, "preorders_enabled", on)


def org(core, org_id):
    with core.sessions() as s:
        row = s.get(Organisation, org_id)
        s.expunge(row)
        return row


def make_panel(qtbot, services) -> OrganisationSearchPanel:
    panel = OrganisationSearchPanel(services)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.activateWindow()
    panel.search_edit.setFocus()
    qtbot.waitUntil(panel.search_edit.hasFocus)
    return panel


def test_type_a_name_press_enter_and_the_card_opens(qtbot, sqlite_core, orgs, make_services):
    services = make_services()
    panel = make_panel(qtbot, services)
    with qtbot.waitSignal(panel.results_shown, timeout=5000) as shown:
        qtbot.keyClicks(panel.search_edit, "volvo")
    assert shown.args == [1]
    assert panel.status.text() == "1 organisation"
    assert [panel.model.index(0, c).data() for c in range(5)] == [
        "Volvo Personvagnar AB", "556074-3089", "Volvo avtal", "Nej", "–"]
    with qtbot.waitSignal(services.bus.open_organisation, timeout=2000) as opened:
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)
    assert opened.args == [orgs.volvo]

    card = OrganisationCardWidget(services)
    qtbot.addWidget(card)
    services.bus.open_organisation.connect(card.show_organisation)
    with qtbot.waitSignal(card.loaded, timeout=5000):
        services.bus.open_organisation.emit(orgs.volvo)
    assert card.name_label.text() == "Volvo Personvagnar AB"
    assert card.number_label.text() == "Organisationsnummer 556074-3089"


def test_enter_straight_after_typing_opens_the_single_hit(qtbot, orgs, make_services):
    services = make_services()
    panel = make_panel(qtbot, services)
    with qtbot.waitSignal(services.bus.open_organisation, timeout=5000) as opened:
        qtbot.keyClicks(panel.search_edit, "556005-1467")
        qtbot.keyClick(panel.search_edit, Qt.Key.Key_Return)  # before the typing pause is over
    assert opened.args == [orgs.ahlens]


def test_search_by_number_and_double_click_a_row(qtbot, orgs, make_services):
    services = make_services()
    panel = make_panel(qtbot, services)
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        qtbot.keyClicks(panel.search_edit, "5560160680")
    assert panel.model.rows[0].name == "Ericsson AB"
    rect = panel.table.visualRect(panel.model.index(0, 0))
    with qtbot.waitSignal(services.bus.open_organisation, timeout=2000) as opened:
        # a real double-click: press/release, then the second press arrives as a double-click
        qtbot.mouseClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
        qtbot.mouseDClick(panel.table.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert opened.args == [orgs.ericsson]


def test_no_hits_and_arrow_down_into_the_table(qtbot, orgs, make_services):
    services = make_services()
    panel = make_panel(qtbot, services)
    with qtbot.waitSignal(panel.results_shown, timeout=5000) as shown:
        qtbot.keyClicks(panel.search_edit, "saab")
    assert shown.args == [0] and panel.status.text() == "Ingen organisation hittades för ”saab”."
    panel.search_edit.clear()
    with qtbot.waitSignal(panel.results_shown, timeout=5000):
        qtbot.keyClicks(panel.search_edit, "e")
    qtbot.keyClick(panel.search_edit, Qt.Key.Key_Down)
    assert panel.table.hasFocus()
    with qtbot.waitSignal(services.bus.open_organisation, timeout=2000) as opened:
        qtbot.keyClick(panel.table, Qt.Key.Key_Return)
    assert opened.args == [orgs.ericsson]


def test_card_overview_shows_price_list_account_manager_and_open_preorders(make_card, sqlite_core, orgs):
    with sqlite_core.sessions() as s, s.begin():
        row = s.get(Organisation, orgs.volvo)
        row.uses_preorders, row.account_manager_id = True, 1
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Åsa Öberg", birth_date=date(1977, 4, 12))
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Cilla Ek", personnummer="197704128011", status="borttagen")
    card = make_card(orgs.volvo)
    assert (card.price_list_label.text(), card.uses_label.text(), card.manager_label.text()) == (
        "Volvo avtal", "Ja", "Ada Admin")
    assert card.open_label.text() == "Öppna förbeställningar: 2"
    view = card.preorder_table.model()
    assert [view.index(r, 0).data() for r in range(view.rowCount())] == ["Bo Ek", "Åsa Öberg"]
    assert view.index(0, 1).data() == "19640823-3234" and view.index(1, 1).data() == "1977-04-12"


def test_ekonomi_checkbox_is_hidden_while_the_global_setting_is_off(make_card, sqlite_core, orgs):
    card = make_card(orgs.volvo)
    assert card.uses_preorders_check.isHidden()
    assert card.economy_command().uses_preorders is None  # hidden: left as it is
    set_preorders_enabled(sqlite_core, True)
    card = make_card(orgs.volvo)
    assert not card.uses_preorders_check.isHidden()
    assert card.economy_command().uses_preorders is False


def test_save_ekonomi(qtbot, make_card, sqlite_core, orgs):
    set_preorders_enabled(sqlite_core, True)
    card = make_card(orgs.ericsson)
    card.tabs.setCurrentIndex(1)
    qtbot.waitUntil(card.uses_preorders_check.isVisible)
    assert card.price_list_combo.currentText() == "(ingen prislista)"
    card.price_list_combo.setCurrentIndex(card.price_list_combo.findText("Volvo avtal"))
    card.manager_combo.setCurrentIndex(card.manager_combo.findText("Rut Reception"))
    check = card.uses_preorders_check
    qtbot.mouseClick(check, Qt.MouseButton.LeftButton, pos=QPoint(8, check.height() // 2))
    assert card.uses_preorders_check.isChecked()
    with qtbot.waitSignal(card.saved, timeout=5000), qtbot.waitSignal(card.services.bus.status) as status:
        qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    assert status.args == ["Ericsson AB: ekonomiuppgifterna är sparade."]
    qtbot.waitUntil(lambda: card.price_list_label.text() == "Volvo avtal", timeout=5000)
    row = org(sqlite_core, orgs.ericsson)
    assert (row.price_list_id, row.uses_preorders, row.account_manager_id) == (orgs.volvo_list, True, 2)
    assert card.economy_message.text() == "Ändringarna är sparade."
    assert (card.uses_label.text(), card.manager_label.text()) == ("Ja", "Rut Reception")


def test_ekonomi_refusal_is_shown_and_nothing_is_written(qtbot, make_card, sqlite_core, orgs):
    set_preorders_enabled(sqlite_core, True)
    card = make_card(orgs.volvo)
    card.tabs.setCurrentIndex(1)
    qtbot.waitUntil(card.save_button.isVisible)
    card.uses_preorders_check.setChecked(True)
    set_preorders_enabled(sqlite_core, False)  # another desk switched it off meanwhile
    qtbot.mouseClick(card.save_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: card.economy_message.isVisible(), timeout=5000)
    assert card.economy_message.text().startswith("Förbeställningar är inte aktiverade.")
    assert org(sqlite_core, orgs.volvo).uses_preorders is False


def test_without_the_right_the_menu_is_hidden_and_ekonomi_is_read_only(make_card, orgs):
    card = make_card(orgs.volvo, "recep")
    assert card.menu_button.isHidden()
    assert not card.save_button.isEnabled() and card.save_button.toolTip() == NO_RIGHT
    assert not card.price_list_combo.isEnabled()
    assert card.name_label.text() == "Volvo Personvagnar AB"


def test_menu_opens_administrera_forbestallningar_and_the_card_reloads_after(qtbot, make_card, sqlite_core, orgs):
    card = make_card(orgs.volvo)
    assert not card.menu_button.isHidden()
    assert [a.text() for a in card.menu.actions()] == ["&Administrera förbeställningar…"]
    card.admin_action.trigger()
    dialog = card.admin_dialog
    assert isinstance(dialog, PreOrderAdminDialog)
    qtbot.waitUntil(lambda: dialog.heading.text() != "", timeout=5000)
    assert dialog.heading.text() == "Förbeställningar – Volvo Personvagnar AB (556074-3089)"
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    with qtbot.waitSignal(card.loaded, timeout=5000):
        qtbot.mouseClick(dialog.close_button, Qt.MouseButton.LeftButton)
    assert card.open_label.text() == "Öppna förbeställningar: 1"
    assert card.admin_dialog is None


def test_a_removed_organisation_says_so(make_services, qtbot, orgs):
    card = OrganisationCardWidget(make_services())
    qtbot.addWidget(card)
    qtbot.waitUntil(lambda: not card.runner.busy)
    card.show_organisation(999_999)
    qtbot.waitUntil(lambda: card.name_label.text() != "", timeout=5000)
    assert card.name_label.text() == "Organisationen finns inte längre. Sök fram den igen."


def test_organisation_model(qtmodeltester, sqlite_core, orgs):
    from app.queries.organisations import search_organisations

    model = OrganisationTableModel()
    with sqlite_core.sessions() as s:
        model.set_rows(search_organisations(s, "a", 50) + search_organisations(s, "e", 50))
    assert model.rowCount() == 2
    qtmodeltester.check(model)


def test_screenshot_of_the_card_is_taken_from_the_real_widget(make_card, sqlite_core, orgs, tmp_path):
    add_preorder(sqlite_core, orgs.volvo, orgs.gym, "Bo Ek", personnummer="196408233234")
    card = make_card(orgs.volvo)
    QApplication.processEvents()
    path = tmp_path / "kort.png"
    assert card.grab().save(str(path)) and path.stat().st_size > 1000
