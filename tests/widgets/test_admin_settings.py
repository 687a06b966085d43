"""Inställningar > Kundrutiner… end to end through its real widgets (issue 12 point 1): the form is
generated from app.settings.OPTIONS, Spara writes one audited change, a bad value is refused at its
field and writes nothing, and the change reaches the routines (the Frys wizard)."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox, QGroupBox, QLabel

from app import menus
from app.settings import OPTIONS, ROUTINES_PAGE, load_settings
from tests.app import sub_builders as b
from tests.wizards.conftest import confirm, error_box, postal_codes, services  # noqa: F401 - fixtures
from tests.wizards.test_sub_freeze import identify, start, type_date, visible_errors
from widgets.admin_settings import EDITORS, SettingsDialog
from widgets.main_window import MainWindow
from widgets.services import Bus, UiServices
from wizards.subscription.wizards import PERIOD

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


def admin_services(core, make_actor, tmp_path, username="admin") -> UiServices:
    from app.postal import PostalCodes

    return UiServices(core=core, actor=make_actor(core, username), bus=Bus(), user_data_dir=tmp_path / "data",
                      postal=PostalCodes.load())


@pytest.fixture
def window_for(qtbot, sqlite_core, make_actor, tmp_path, monkeypatch):
    monkeypatch.setenv("RECEPTION_DATA_DIR", str(tmp_path / "data"))

    def make(username: str) -> MainWindow:
        window = MainWindow(admin_services(sqlite_core, make_actor, tmp_path, username))
        qtbot.addWidget(window)
        return window
    return make


def menu_titles(window: MainWindow) -> dict[str, list[str]]:
    return {a.text().replace("&", ""): [x.text().replace("&", "") for x in a.menu().actions()]
            for a in window.menuBar().actions() if a.menu() is not None and a.isVisible()}


def open_entry(qtbot, window: MainWindow, title: str):
    (action,) = [a for a in window.settings_menu.actions() if a.text().replace("&", "") == title]
    action.trigger()
    dialog = window.services.extra["open_dialogs"][-1]
    qtbot.waitExposed(dialog)
    return dialog


def audit_rows(core, action: str):
    from sqlalchemy import select

    from db.models import AuditEntry

    with core.sessions() as s:
        return [(r.user_id, r.at, r.details) for r in s.scalars(select(AuditEntry).where(AuditEntry.action == action)
                                                                         .order_by(AuditEntry.id))]


def user_id(core, username: str) -> int:
    from sqlalchemy import select

    from db.models import User

    with core.sessions() as s:
        return s.scalar(select(User.id).where(User.username == username))


def settings_rows(core) -> dict:
    from sqlalchemy import select

    from db.models import Setting

    with core.sessions() as s:
        return {r.key: r.value for r in s.scalars(select(Setting))}


# -- the menu -----------------------------------------------------------------------------------------------


def test_the_settings_menu_is_there_only_with_the_right(window_for):
    assert menu_titles(window_for("admin"))["Inställningar"] == [
        "Kundrutiner…", "Inställningar…", "Personstatustyper…", "Avvikelseorsaker…", "Produkter och prislistor…",
        "Lokalt register…", "Användare och roller…", "E-post och SMS…", "Autogiro (Bankgirot)…"]
    # Receptionist: no Systeminställningar — only the outbox, which everyone may look at
    assert menu_titles(window_for("recep"))["Inställningar"] == ["E-post och SMS…"]


# -- the generated form ---------------------------------------------------------------------------------------


def test_every_routine_setting_has_a_field_in_its_group_with_label_unit_and_help(qtbot, sqlite_core, make_actor,
                                                                                 tmp_path):
    b.catalog(sqlite_core)
    dialog = SettingsDialog(admin_services(sqlite_core, make_actor, tmp_path), ROUTINES_PAGE)
    qtbot.addWidget(dialog)
    page = [o for o in OPTIONS if o.page == ROUTINES_PAGE]
    assert set(dialog.editors) == {o.key for o in page}
    assert all(o.kind in EDITORS for o in OPTIONS)
    # Groups as the seeds order them, in declaration order.
    assert list(dialog.groups) == ["Kundtyper", "Teckna abonnemang", "Organisationskund", "Registrera ny kund",
                                   "Säga upp abonnemang", "Debitera abonnemang", "Frysa abonnemang",
                                   "Uthämtning av onlineköp", "Nytt medlemskort", "Inpassering"]
    for option in page:
        box = dialog.groups[option.group]
        texts = [w.text() for w in box.findChildren(QLabel) + box.findChildren(QCheckBox)]
        assert option.title in texts, option.key
        if option.help:
            assert option.help in texts, option.key
        if option.unit and option.kind in ("int", "followup"):
            assert option.unit in texts, option.key
    # The stored values are shown: the catalogue set the Ordinarie list.
    assert dialog.editors["price_list_ordinarie"].focus.currentText() == "Ordinarie"
    assert dialog.editors["freeze_max"].get() == {"number": 12, "unit": "månader"}


def test_a_setting_declared_later_appears_without_code_of_its_own(qtbot, sqlite_core, make_actor, tmp_path,
                                                                  monkeypatch):
    from app import settings
    from widgets import admin_settings

    extra = settings.Option("checkin_grace_minutes", "Insläpp före bokat pass", "int", 15, "Inpassering",
                            "minuter", "Hur tidigt en bokad kund släpps in.", maximum=120)
    monkeypatch.setattr(admin_settings, "OPTIONS", (*settings.OPTIONS, extra))
    monkeypatch.setitem(settings.BY_KEY, extra.key, extra)
    monkeypatch.setattr(admin_settings, "stored_values", lambda s: {**settings.stored_values(s), extra.key: 15})
    dialog = SettingsDialog(admin_services(sqlite_core, make_actor, tmp_path), ROUTINES_PAGE)
    qtbot.addWidget(dialog)
    assert "Inpassering" in dialog.groups and dialog.editors[extra.key].get() == 15
    texts = [w.text() for w in dialog.groups["Inpassering"].findChildren(QLabel)]
    assert {"Insläpp före bokat pass", "minuter", "Hur tidigt en bokad kund släpps in."} <= set(texts)


# -- save, audit, behaviour -------------------------------------------------------------------------------------


def test_set_the_longest_freeze_to_two_months_and_the_freeze_wizard_refuses_three(qtbot, window_for, sqlite_core,
                                                                                   services):  # noqa: F811
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    window = window_for("admin")
    dialog = open_entry(qtbot, window, "Kundrutiner…")
    editor = dialog.editors["freeze_max"]
    editor.number.setValue(2)
    editor.unit.setCurrentText("månader")
    dialog.editors["max_prepay_intervals"].set(6)
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()

    with sqlite_core.sessions() as s:
        settings = load_settings(s)
    assert settings.freeze_max == {"number": 2, "unit": "månader"} and settings.max_prepay_intervals == 6
    assert set(settings_rows(sqlite_core)) >= {"freeze_max", "max_prepay_intervals"}
    ((who, when, details),) = audit_rows(sqlite_core, "Ändra inställningar")
    assert who == user_id(sqlite_core, "admin") and when == sqlite_core.clock.now()
    assert '"freeze_max": {"från": {"number": 12, "unit": "månader"}, "till": {"number": 2, "unit": "månader"}}' \
        in details

    # The Frys wizard (another desk's services, same database) now refuses a freeze of three months.
    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(PERIOD)
    period = d.page()
    assert "längst 2 månader" in period.limits_label.text()
    type_date(d, period.end, date(2027, 2, 21))
    assert visible_errors(period) == ["Frysperioden får vara högst 2 månader."]
    assert not d.next_button.isEnabled()


def test_a_shortest_freeze_longer_than_the_longest_is_refused_at_the_field_and_nothing_is_written(
        qtbot, sqlite_core, make_actor, tmp_path):
    b.catalog(sqlite_core)
    before = settings_rows(sqlite_core)
    dialog = SettingsDialog(admin_services(sqlite_core, make_actor, tmp_path), ROUTINES_PAGE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editors["freeze_min"].number.setValue(3)
    dialog.editors["freeze_max"].number.setValue(2)
    dialog.save()
    assert dialog.isVisible()
    assert dialog.errors["freeze_min"].isVisible()
    assert dialog.errors["freeze_min"].text() == ("Kortast tillåtna frysperiod får inte vara längre än den längsta "
                                                  "(2 månader).")
    # 31 dagar against 1 månad: longer in every month but January, March … so refused too.
    dialog.editors["freeze_min"].set({"number": 31, "unit": "dagar"})
    dialog.editors["freeze_max"].set({"number": 1, "unit": "månader"})
    dialog.save()
    assert dialog.errors["freeze_min"].isVisible()
    assert settings_rows(sqlite_core) == before and audit_rows(sqlite_core, "Ändra inställningar") == []


@pytest.mark.parametrize("key, value, message", [
    ("max_prepay_intervals", 0, "Värdet måste vara minst 1 intervall."),
    ("min_age_ordinarie", 121, "Värdet får vara högst 120 år."),
    ("price_list_ordinarie", None, "Ordinarieprislistan är obligatorisk."),
    ("internal_message_for_routines", "Hej\u200b", "Texten innehåller osynliga tecken"),
    ("freeze_max", {"number": 121, "unit": "månader"}, "Längden får vara högst 120 månader."),
])
def test_every_bad_value_gets_a_swedish_message_at_its_field(qtbot, sqlite_core, make_actor, tmp_path, key, value,
                                                             message):
    b.catalog(sqlite_core)
    before = settings_rows(sqlite_core)
    dialog = SettingsDialog(admin_services(sqlite_core, make_actor, tmp_path), ROUTINES_PAGE)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.editors[key].set(value)
    dialog.save()
    assert dialog.isVisible() and dialog.errors[key].isVisible()
    assert dialog.errors[key].text().startswith(message)
    assert [k for k, label in dialog.errors.items() if label.isVisible()] == [key]
    assert settings_rows(sqlite_core) == before


def test_a_value_changed_at_another_desk_meanwhile_is_not_overwritten(qtbot, sqlite_core, make_actor, tmp_path):
    b.catalog(sqlite_core)
    dialog = SettingsDialog(admin_services(sqlite_core, make_actor, tmp_path), ROUTINES_PAGE)
    qtbot.addWidget(dialog)
    dialog.show()
    b.setting(sqlite_core, "max_prepay_intervals", 3)  # another desk saved first
    dialog.editors["max_prepay_intervals"].set(6)
    dialog.save()
    assert dialog.errors["max_prepay_intervals"].text().startswith("Inställningen har ändrats vid en annan dator")
    with sqlite_core.sessions() as s:
        assert load_settings(s).max_prepay_intervals == 3


# -- Avvikelseorsaker ------------------------------------------------------------------------------------------


def reasons_in_db(core) -> list[tuple[str, bool]]:
    from sqlalchemy import select

    from db.models import DeviationReason

    with core.sessions() as s:
        return [(r.name, r.active) for r in s.scalars(select(DeviationReason).order_by(DeviationReason.id))]


def table_rows(dialog) -> list[tuple[str, ...]]:
    t = dialog.table
    return [tuple(t.item(r, c).text() for c in range(t.columnCount())) for r in range(t.rowCount())]


def test_freeze_reasons_add_rename_deactivate_and_the_freeze_wizard_follows(qtbot, window_for, sqlite_core,
                                                                            services):  # noqa: F811
    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    b.setting(sqlite_core, "use_deviation_reasons", True)
    window = window_for("admin")
    dialog = open_entry(qtbot, window, "Avvikelseorsaker…")
    assert table_rows(dialog) == []
    for name in ("Sjukdom", "Resa", "Graviditet"):
        dialog.name_edit.setText(name)
        qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert reasons_in_db(sqlite_core) == [("Sjukdom", True), ("Resa", True), ("Graviditet", True)]
    # The same name twice (whatever the case) and an empty name are refused under the name field.
    dialog.name_edit.setText("sjukdom")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.name_error.isVisible() and dialog.name_error.text() == (
        "Det finns redan en frysningsorsak som heter ”sjukdom”.")
    dialog.name_edit.setText("   ")
    qtbot.mouseClick(dialog.add_button, Qt.MouseButton.LeftButton)
    assert dialog.name_error.text() == "Skriv orsakens namn."
    assert len(reasons_in_db(sqlite_core)) == 3
    # Rename Resa, deactivate Graviditet.
    dialog.select("Resa")
    dialog.name_edit.setText("Utlandsresa")
    qtbot.mouseClick(dialog.rename_button, Qt.MouseButton.LeftButton)
    dialog.select("Graviditet")
    assert dialog.toggle_button.text() == "&Inaktivera"
    qtbot.mouseClick(dialog.toggle_button, Qt.MouseButton.LeftButton)
    assert reasons_in_db(sqlite_core) == [("Sjukdom", True), ("Utlandsresa", True), ("Graviditet", False)]
    assert ("Graviditet", "Inaktiv", "–") in table_rows(dialog)
    audit = audit_rows(sqlite_core, "Ändra avvikelseorsak")
    assert len(audit) == 5 and {who for who, _at, _d in audit} == {user_id(sqlite_core, "admin")}
    assert '"action": "byt_namn"' in audit[3][2] and '"name": "Utlandsresa"' in audit[3][2]

    # The Frys wizard offers the active reasons only, with the new name.
    from wizards.subscription.wizards import FRYSNINGSORSAK

    d = start(qtbot, services, menus.FRYS, anna, gym)
    identify(d)
    d.next(FRYSNINGSORSAK)
    listing = d.page().reasons
    assert [listing.item(i).text() for i in range(listing.count())] == ["Sjukdom", "Utlandsresa"]


def test_a_reason_in_use_cannot_be_removed_only_deactivated(qtbot, sqlite_core, make_actor, tmp_path):
    from widgets.admin_reasons import FreezeReasonsDialog

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    sick = b.reason(sqlite_core, "Sjukdom")
    b.reason(sqlite_core, "Felregistrerad")
    b.freeze(sqlite_core, gym, date(2026, 11, 1), date(2026, 12, 31), reason_id=sick)
    dialog = FreezeReasonsDialog(admin_services(sqlite_core, make_actor, tmp_path))
    qtbot.addWidget(dialog)
    dialog.show()
    assert table_rows(dialog) == [("Felregistrerad", "Aktiv", "–"), ("Sjukdom", "Aktiv", "1 frysning")]
    dialog.select("Sjukdom")
    assert not dialog.remove_button.isEnabled() and "bara inaktiveras" in dialog.remove_button.toolTip()
    dialog.run("ta_bort")  # even when asked for directly: refused with the reason, nothing written
    assert dialog.list_error.text().startswith("Orsaken används av 1 frysning och kan inte tas bort.")
    dialog.select("Felregistrerad")
    assert dialog.remove_button.isEnabled()
    qtbot.mouseClick(dialog.remove_button, Qt.MouseButton.LeftButton)
    assert reasons_in_db(sqlite_core) == [("Sjukdom", True)]


def test_the_no_reasons_message_points_to_the_real_menu_entry(window_for):
    from wizards.subscription.pages.frysningsorsak import NO_REASONS

    entries = menu_titles(window_for("admin"))["Inställningar"]
    assert "Inställningar > Avvikelseorsaker…" in NO_REASONS and "Avvikelseorsaker…" in entries
    assert "Inställningar > Kundrutiner…" in NO_REASONS and "Kundrutiner…" in entries
    assert "Produkter >" not in NO_REASONS


# -- Personstatustyper -----------------------------------------------------------------------------------------


def test_severities_with_chip_preview_save_and_the_person_card_follows(qtbot, window_for, sqlite_core, make_actor,
                                                                      tmp_path):
    from sqlalchemy import select

    from db.models import DeviationType
    from app.seeding.reference import DEVIATION_TYPES
    from widgets.person_card import PersonCardWidget
    from widgets.person_tabs.common import SEVERITY_COLOURS

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie, status="fryst")
    b.freeze(sqlite_core, gym, date(2026, 11, 1), date(2026, 12, 31))

    def top_chips() -> set[str]:
        card = PersonCardWidget(admin_services(sqlite_core, make_actor, tmp_path, "recep"), menu_actions={})
        qtbot.addWidget(card)
        card.show_person(anna)
        return {label.objectName()[len("deviation_"):] for label in card.chips.findChildren(QLabel)}

    assert "fryst" not in top_chips()  # information: shown next to the subscription only
    window = window_for("admin")
    dialog = open_entry(qtbot, window, "Personstatustyper…")
    assert set(dialog.combos) == {code for code, *_ in DEVIATION_TYPES}
    combo = dialog.combos["fryst"]
    assert combo.currentData() == "information"
    assert SEVERITY_COLOURS["information"][0] in dialog.previews["fryst"].styleSheet()
    combo.setCurrentIndex(combo.findData("varning"))
    assert SEVERITY_COLOURS["varning"][0] in dialog.previews["fryst"].styleSheet()  # the preview follows
    assert dialog.previews["fryst"].text() == "Abonnemanget är fryst"
    qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    assert not dialog.isVisible()
    with sqlite_core.sessions() as s:
        assert s.get(DeviationType, "fryst").severity == "varning"
        assert {r.code for r in s.scalars(select(DeviationType).where(DeviationType.severity == "varning"))} >= {
            "fryst", "saknar_kortnummer"}
    ((who, when, details),) = audit_rows(sqlite_core, "Ändra personstatustyper")
    assert who == user_id(sqlite_core, "admin") and when == sqlite_core.clock.now()
    assert '"code": "fryst"' in details and '"previous": "information"' in details
    assert "fryst" in top_chips()  # varning: now at the top of the person card
