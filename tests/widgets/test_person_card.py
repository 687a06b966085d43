"""The person card widget: header, deviation colours, internal message, editing, journal right, menus."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QLabel
from sqlalchemy import select

from app.menus import TILL_MISSING, MenuTarget
from db.models import AuditEntry, AutogiroDebit, Person
from app.seeding.reference import DEVIATION_TYPES
from tests.app.conftest_data import (add_card, add_freeze, add_invoice, add_mandate, add_person, add_photo,
                                     add_price_list, add_product, add_subscription, set_severity)
from widgets.person_card import SEVERITY_COLOURS, PersonCardWidget
from widgets.person_tabs.subscriptions import SubscriptionsTab
from widgets.services import Bus, UiServices

pytestmark = pytest.mark.qt_log_ignore("This plugin does not support propagateSizeHints")
TODAY = date(2026, 11, 22)
CONFIGURED = {code: severity for code, _n, _s, severity in DEVIATION_TYPES}


def _jpeg() -> bytes:
    image = QImage(30, 40, QImage.Format.Format_RGB32)
    image.fill(QColor("steelblue"))
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPG")
    return bytes(data)


@pytest.fixture
def popups(monkeypatch):
    shown = []  # no modal box any more: the internal message is a banner (test_card_overview.py)
    errors = []
    monkeypatch.setattr(PersonCardWidget, "error_box", staticmethod(lambda p, title, text: errors.append(text)))
    return shown, errors


@pytest.fixture
def make_card(qtbot, sqlite_core, make_actor, tmp_path, popups):
    def make(user="recep", menu_actions=None):
        services = UiServices(core=sqlite_core, actor=make_actor(sqlite_core, user), bus=Bus(),
                              user_data_dir=tmp_path)
        card = PersonCardWidget(services, menu_actions=menu_actions)
        qtbot.addWidget(card)
        card.show()
        qtbot.waitExposed(card)
        return card
    return make


@pytest.fixture
def everything(sqlite_core):
    """Four persons who together have every deviation type of SPEC §1.6."""
    with sqlite_core.sessions() as s, s.begin():
        ag = add_product(s, "gym_ag")
        towel = add_product(s, "towel", kind="tillagg", price_ore=5000)
        payer = add_person(s, "Betal", "Pappa")  # no mandate -> ag_medgivande_saknas on the user's card
        p1 = add_person(s, "Åke", "Öberg", personnummer="900101-1239", customer_type="student",
                        price_guarantee_until=TODAY + timedelta(days=10), internal_message="Hämta nyckel i kassan")
        add_invoice(s, p1, 50000)
        main = add_subscription(s, p1, ag, payer=payer, charged_through=date(2026, 10, 31))  # lagging
        addon = add_subscription(s, p1, towel, parent=main, payer=payer, charged_through=date(2026, 11, 30))
        add_freeze(s, addon, date(2027, 1, 1), date(2027, 1, 31), status="framtida")
        old = add_subscription(s, p1, ag, status="uppsagt", end_date=date(2027, 2, 28),
                               charged_through=date(2027, 2, 28))
        add_freeze(s, old, date(2026, 11, 1), date(2026, 12, 31))
        p2 = add_person(s, "Blockerad", "Bengtsson", customer_type="pensionar",
                        price_guarantee_until=TODAY - timedelta(days=3))
        add_photo(s, p2, _jpeg())
        add_card(s, p2, "0001", status="sparrat")
        add_mandate(s, p2, "avvisat")
        failed = add_invoice(s, p2, 39900)  # an autogiro debit Bankgirot reported failed (issue 17)
        failed_sub = add_subscription(s, p2, ag, status="avslutat", end_date=TODAY, charged_through=TODAY)
        s.add(AutogiroDebit(subscription_id=failed_sub.id, payer_id=p2.id, payer_number="42", debit_date=TODAY,
                            amount_ore=39900, period_from=TODAY, period_to=TODAY, invoice_id=failed.id,
                            status="misslyckad", created_at=datetime(2026, 11, 1, tzinfo=timezone.utc),
                            updated_at=datetime(2026, 11, 1, tzinfo=timezone.utc)))
        p3 = add_person(s, "Bgc", "Berg")
        add_photo(s, p3, _jpeg())
        add_card(s, p3, "0003")
        add_mandate(s, p3, "hos_bgc")
        return p1.id, p2.id, p3.id


def chips(card):
    return {label.objectName()[len("deviation_"):]: label for label in card.findChildren(QLabel)
            if label.objectName().startswith("deviation_")}


def test_every_deviation_type_is_shown_with_its_configured_colour(make_card, everything):
    seen = {}
    for person_id in everything:
        card = make_card()
        card.show_person(person_id)
        for code, label in chips(card).items():
            seen[code] = label
            severity = CONFIGURED[code]
            assert label.property("severity") == severity
            assert f"background-color: {SEVERITY_COLOURS[severity][0]}" in label.styleSheet(), code
    assert set(seen) == set(CONFIGURED)


def test_header_chips_follow_the_top_rule_and_a_changed_severity(make_card, everything, sqlite_core):
    card = make_card()
    card.show_person(everything[0])
    top = {label.objectName()[len("deviation_"):] for label in card.chips.findChildren(QLabel)}
    # Person deviations always; subscription/mandate ones only when fel/varning (slapande, ag saknas).
    assert top == {"skuld", "saknar_foto", "saknar_kortnummer", "kundtyp_gar_ut", "internt_meddelande",
                   "slapande", "ag_medgivande_saknas"}
    with sqlite_core.sessions() as s, s.begin():
        set_severity(s, "saknar_foto", "fel")
        set_severity(s, "fryst", "varning")
    card = make_card()
    card.show_person(everything[0])
    top_chips = {label.objectName()[len("deviation_"):]: label for label in card.chips.findChildren(QLabel)}
    assert SEVERITY_COLOURS["fel"][0] in top_chips["saknar_foto"].styleSheet()
    assert "fryst" in top_chips and SEVERITY_COLOURS["varning"][0] in top_chips["fryst"].styleSheet()


def test_severity_palette():
    assert set(SEVERITY_COLOURS) == {"information", "varning", "fel"}
    hues = {k: QColor(v[0]).hsvHue() for k, v in SEVERITY_COLOURS.items()}
    assert 190 <= hues["information"] <= 240  # blue-ish
    assert 30 <= hues["varning"] <= 55          # amber
    assert hues["fel"] <= 10 or hues["fel"] >= 350  # red


def test_header_and_internal_message(make_card, everything, popups):
    shown, _errors = popups
    card = make_card()
    card.show_person(everything[0])
    assert card.name_label.text() == "Åke Öberg"
    assert card.personnummer_label.text() == "Personnummer: 19900101-1239"
    assert card.customer_type_label.text() == f"Kundtyp: Student t.o.m. {TODAY + timedelta(days=10):%Y-%m-%d}"
    assert card.card_label.text() == "Kort: saknas" and card.photo.text() == "Foto saknas"
    assert card.internal_message.isVisible() and card.internal_message.text.text() == "Hämta nyckel i kassan"
    assert shown == []  # a banner, never a modal box
    card.show_person(everything[2])
    assert not card.internal_message.isVisible()  # no message, no banner
    assert not card.photo.pixmap().isNull() and card.card_label.text() == "Kort: 0003"


def test_subscriptions_tab_nests_add_ons_and_lists_paid_for_others(make_card, everything, sqlite_core):
    card = make_card()
    card.show_person(everything[0])
    tree = card.subscriptions_tab.tree
    assert tree.topLevelItemCount() == 2
    main = tree.topLevelItem(0) if tree.topLevelItem(0).childCount() else tree.topLevelItem(1)
    assert main.child(0).text(0) == "Towel" and main.text(SubscriptionsTab.COLUMNS.index("Betalare")) == "Betal Pappa"
    with sqlite_core.sessions() as s:
        payer_id = s.scalar(select(Person.id).where(Person.first_name == "Betal"))
    card.show_person(payer_id)
    assert not card.subscriptions_tab.others.isHidden()
    assert card.subscriptions_tab.others.topLevelItem(0).text(0) == "Åke Öberg"


def test_edit_basic_data_saves_and_audits(qtbot, make_card, everything, sqlite_core):
    card = make_card()
    changed = []
    card.services.bus.person_changed.connect(changed.append)
    card.show_person(everything[2])
    tab = card.basic_tab
    card.tabs.setCurrentWidget(tab)
    tab.first_name.clear()
    qtbot.keyClicks(tab.first_name, "Birgitta")
    tab.mobile.clear()
    qtbot.keyClicks(tab.mobile, "+46 70 555 44 33")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        p = s.get(Person, everything[2])
        assert (p.first_name, p.first_name_norm, p.mobile_digits) == ("Birgitta", "birgitta", "+46705554433")
        audit = s.scalars(select(AuditEntry).where(AuditEntry.action == "Ändra basuppgifter")).all()
    assert len(audit) == 1 and audit[0].entity_id == everything[2]
    assert changed == [everything[2]]
    assert card.name_label.text() == "Birgitta Berg"  # reloaded through bus.person_changed
    assert not tab.edit.error.isVisible()


def test_bad_email_shows_the_message_keeps_the_text_and_writes_nothing(qtbot, make_card, everything, sqlite_core):
    card = make_card()
    card.show_person(everything[2])
    tab = card.basic_tab
    tab.first_name.clear()
    qtbot.keyClicks(tab.first_name, "Nytt namn")
    tab.email.clear()
    qtbot.keyClicks(tab.email, "inte-en-adress")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    assert "E-postadressen är ogiltig" in tab.edit.error.text() and not tab.edit.error.isHidden()
    assert tab.email.text() == "inte-en-adress" and tab.first_name.text() == "Nytt namn"
    assert tab.email.hasFocus() or not card.isActiveWindow()
    with sqlite_core.sessions() as s:
        assert s.get(Person, everything[2]).first_name == "Bgc"
        assert s.scalars(select(AuditEntry)).all() == []


def test_messages_and_notes(qtbot, make_card, everything, sqlite_core, popups):
    card = make_card()
    card.show_person(everything[2])
    tab = card.messages_tab
    qtbot.keyClicks(tab.internal, "Ring hem")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    tab.new_note.insertPlainText("Glömde handduk")  # QTest cannot type non-ASCII keys
    qtbot.mouseClick(tab.note_form.save_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        assert s.get(Person, everything[2]).internal_message == "Ring hem"
    assert tab.notes.rowCount() == 1 and tab.notes.item(0, 2).text() == "Glömde handduk"
    qtbot.mouseClick(tab.note_form.save_button, Qt.MouseButton.LeftButton)  # empty note
    assert tab.note_form.error.text() == "Skriv något i anteckningen."
    assert "internt_meddelande" in chips(card)


def test_addresses_tab_saves_both_addresses(qtbot, make_card, everything, sqlite_core):
    from db.models import Address

    card = make_card()
    card.show_person(everything[2])
    tab = card.address_tab
    qtbot.keyClicks(tab.home.street, "Storgatan 1")
    qtbot.keyClicks(tab.home.postal_code, "11455")
    qtbot.keyClicks(tab.home.town, "Stockholm")
    qtbot.keyClicks(tab.invoice.street, "Box 7")
    qtbot.mouseClick(tab.edit.save_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        rows = {a.kind: (a.street, a.postal_code) for a in s.scalars(select(Address))}
    assert rows == {"hem": ("Storgatan 1", "11455"), "faktura": ("Box 7", None)}
    assert tab.home.street.text() == "Storgatan 1"


def test_journal_tab_needs_the_right(make_card, everything):
    recep = make_card("recep")
    assert "Kundjournal" not in recep.tab_titles()
    assert recep.tab_titles() == ["Översikt", "Basuppgifter", "Adress/Fakturaadress", "Marknad", "Meddelanden", "Dokument",
                                  "Bokningar", "Tidigare köp", "Ekonomi", "Fakturor", "Personal", "Abonnemang",
                                  "Värdekort", "Besök", "Autogiro"]
    admin = make_card("admin")
    assert admin.tab_titles()[-1] == "Kundjournal"


def test_journal_entry_from_the_tab(qtbot, make_card, everything):
    card = make_card("admin")
    card.show_person(everything[2])
    qtbot.keyClicks(card.journal_tab.new_entry, "Skadad axel")
    qtbot.mouseClick(card.journal_tab.form.save_button, Qt.MouseButton.LeftButton)
    assert card.journal_tab.entries.rowCount() == 1


def test_menus_show_only_registered_entries(make_card, everything, sqlite_core):
    calls = []
    card = make_card(menu_actions={})
    card.show_person(everything[0])
    assert card.person_menu_button.isHidden()
    assert card.subscriptions_tab.menu_buttons == {}

    card = make_card(menu_actions={"intyga_kundtyp": calls.append, "frys": calls.append, "debitera": calls.append,
                                   "andra_medgivande": calls.append, "uppgradera": calls.append})
    card.show_person(everything[2])  # has a mandate at BGC
    menu = card.person_menu_button.menu()
    assert [a.text() for a in menu.actions()] == ["Intyga/Ändra kundtyp"]
    menu.actions()[0].trigger()
    assert calls == [MenuTarget(everything[2])]
    mandate_action = card.economy_tab.mandate_button.menu().actions()[0]
    assert mandate_action.text() == "Ändra" and not mandate_action.isEnabled() and "BGC" in mandate_action.toolTip()

    card.show_person(everything[0])
    # The running subscription: Debitera and Frys (no dearer product, so no Uppgradera). The cancelled one is
    # charged to its end and frozen: nothing registered applies, so it gets no ≡ button at all.
    (button,) = card.subscriptions_tab.menu_buttons.values()
    assert [a.text() for a in button.menu().actions()] == ["Debitera", "Frys"]


def test_charging_entries_disabled_without_a_till(make_card, everything, sqlite_core):
    sqlite_core.till_enabled = False
    card = make_card(menu_actions={"debitera": lambda t: None, "frys": lambda t: None})
    card.show_person(everything[0])
    (button,) = card.subscriptions_tab.menu_buttons.values()
    actions = {a.text(): a for a in button.menu().actions()}
    assert not actions["Debitera"].isEnabled() and actions["Debitera"].toolTip() == TILL_MISSING
    assert actions["Frys"].isEnabled()


def test_upgrade_entry_when_a_dearer_product_exists(make_card, sqlite_core):
    with sqlite_core.sessions() as s, s.begin():
        pl = add_price_list(s)
        gym = add_product(s, "gym", price_list=pl)
        add_product(s, "gym_plus", price_ore=49900, price_list=pl)
        p = add_person(s, "Uppgr", "Adera")
        add_mandate(s, p)
        add_subscription(s, p, gym, price_list=pl)
        pid = p.id
    card = make_card(menu_actions={"uppgradera": lambda t: None, "nedgradera": lambda t: None})
    card.show_person(pid)
    (button,) = card.subscriptions_tab.menu_buttons.values()
    assert [a.text() for a in button.menu().actions()] == ["Uppgradera"]


def test_unknown_person_is_reported(make_card, popups):
    _shown, errors = popups
    card = make_card()
    card.show_person(424242)
    assert errors == ["Personen finns inte längre. Sök fram kunden på nytt."]
