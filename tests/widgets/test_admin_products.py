"""Inställningar > Produkter och prislistor… end to end (issue 12 point 5): price lists and the customer
types they serve, products with prices in kronor per list, add-ons per routine, the behaviour that
follows (Överlåt in the ≡ menu, what a new sale costs and offers), and a price change that leaves
existing subscriptions at the price they were sold at."""
from __future__ import annotations

from datetime import date

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.queries.catalog import addons_for, main_products
from app.settings import load_settings
from tests.app import sub_builders as b
from tests.widgets.test_admin_settings import (admin_services, audit_rows, open_entry, user_id,  # noqa: F401
                                               window_for)
from widgets.admin_products import ProductEditor, ProductsDialog

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")


@pytest.fixture
def dialog(qtbot, sqlite_core, make_actor, tmp_path):
    def make() -> ProductsDialog:
        d = ProductsDialog(admin_services(sqlite_core, make_actor, tmp_path))
        qtbot.addWidget(d)
        d.show()
        return d
    return make


def editor_for(qtbot, d: ProductsDialog, name: str | None) -> ProductEditor:
    if name is None:
        qtbot.mouseClick(d.new_product_button, Qt.MouseButton.LeftButton)
    else:
        d.tabs.setCurrentIndex(1)
        d.select_product(name)
        qtbot.mouseClick(d.edit_product_button, Qt.MouseButton.LeftButton)
    editor = d.editor
    qtbot.waitExposed(editor)
    return editor


def products(core) -> dict[str, dict]:
    from db.models import PriceListItem, Product

    with core.sessions() as s:
        out = {}
        for p in s.scalars(select(Product)):
            prices = dict(s.execute(select(PriceListItem.price_list_id, PriceListItem.price_ore)
                                    .where(PriceListItem.product_id == p.id)).all())
            out[p.code] = dict(id=p.id, name=p.name, kind=p.kind, payment=p.payment, price=p.price_ore,
                               validity=p.validity_months, transfer=p.transfer_allowed, card=p.is_membership_card,
                               binding=p.binding_months, notice=p.notice_months, vat=p.vat_basis_points,
                               interval=p.interval_months, active=p.active, prices=prices)
        return out


# -- price lists ---------------------------------------------------------------------------------------------


def test_a_price_list_is_created_and_serves_a_customer_type(qtbot, window_for, sqlite_core):  # noqa: F811
    cat = b.catalog(sqlite_core)
    window = window_for("admin")
    d = open_entry(qtbot, window, "Produkter och prislistor…")
    assert [d.list_table.item(r, 1).text() for r in range(d.list_table.rowCount())] == ["Ordinarie", "Student"]
    qtbot.mouseClick(d.new_list_button, Qt.MouseButton.LeftButton)
    d.list_name.setText("Pensionär 2027")
    d.type_checks["pensionar"].setChecked(True)
    qtbot.mouseClick(d.save_list_button, Qt.MouseButton.LeftButton)
    with sqlite_core.sessions() as s:
        settings = load_settings(s)
        from db.models import PriceList
        new_id = s.scalar(select(PriceList.id).where(PriceList.name == "Pensionär 2027"))
    assert settings.price_list_pensionar == new_id and settings.price_list_ordinarie == cat.ordinarie
    assert ("Pensionär 2027", "Pensionär", "0") in [
        tuple(d.list_table.item(r, c).text() for c in range(3)) for r in range(d.list_table.rowCount())]
    ((who, when, details),) = audit_rows(sqlite_core, "Ändra prislista")
    assert who == user_id(sqlite_core, "admin") and when == sqlite_core.clock.now()
    # Ordinarie cannot be left without a list; a name is needed and must be new.
    d.select_list("Ordinarie")
    d.type_checks["ordinarie"].setChecked(False)
    qtbot.mouseClick(d.save_list_button, Qt.MouseButton.LeftButton)
    assert d.list_types_error.text().startswith("Ordinarie kunder måste ha en prislista.")
    d.select_list("Ordinarie")
    d.list_name.setText("student")
    qtbot.mouseClick(d.save_list_button, Qt.MouseButton.LeftButton)
    assert d.list_name_error.text() == "Det finns redan en prislista som heter ”student”."
    with sqlite_core.sessions() as s:
        assert load_settings(s).price_list_ordinarie == cat.ordinarie
    assert len(audit_rows(sqlite_core, "Ändra prislista")) == 1


# -- products ------------------------------------------------------------------------------------------------


def test_a_new_kontant_product_with_prices_in_kronor_on_a_list(qtbot, dialog, sqlite_core):
    cat = b.catalog(sqlite_core)
    d = dialog()
    e = editor_for(qtbot, d, None)
    e.code.setText("SOMMAR3")
    e.name.setText("Sommarkort 3 mån")
    e.kind.setCurrentIndex(e.kind.findData("huvud"))
    e.payment.setCurrentIndex(e.payment.findData("kontant"))
    e.price.setText("1 199,50")
    e.interval.setValue(3)
    e.validity.setValue(3)
    e.notice.setValue(0)
    e.vat.setCurrentIndex(e.vat.findData(600))
    e.transfer.setChecked(True)
    e.list_checks[cat.ordinarie].setChecked(True)
    e.list_prices[cat.ordinarie].setText("1099")
    e.list_checks[cat.student].setChecked(True)  # empty price: the base price
    qtbot.mouseClick(e.save_button, Qt.MouseButton.LeftButton)
    assert not e.isVisible(), [l.text() for l in e.errors.values() if l.isVisible()]
    p = products(sqlite_core)["SOMMAR3"]
    assert (p["kind"], p["payment"], p["price"], p["interval"], p["validity"], p["transfer"], p["vat"]) == (
        "huvud", "kontant", 119950, 3, 3, True, 600)
    assert p["prices"] == {cat.ordinarie: 109900, cat.student: 119950}
    # The table shows it in kronor, and a new sale on the Ordinarie list is offered it at 1 099 kr.
    row = [r for r in range(d.product_table.rowCount()) if d.product_table.item(r, 0).text() == "SOMMAR3"][0]
    assert d.product_table.item(row, 4).text() == "1 199,50 kr"
    with sqlite_core.sessions() as s:
        offered = {m.name: m.price_ore for m in main_products(s, cat.ordinarie)}
    assert offered["Sommarkort 3 mån"] == 109900
    assert len(audit_rows(sqlite_core, "Ändra produkt")) == 1


@pytest.mark.parametrize("change, field, message", [
    (lambda e: e.price.setText("tre hundra"), "price_ore", "”tre hundra” är inget belopp."),
    (lambda e: e.code.setText("GYMPLUS"), "code", "Produktkoden ”GYMPLUS” används redan av en annan produkt."),
    (lambda e: e.name.setText(" "), "name", "Skriv produktens namn."),
    (lambda e: e.transfer.setChecked(True), "transfer_allowed", "Bara kontantabonnemang kan överlåtas."),
    (lambda e: e.binding.setValue(500), "binding_months", "Bindningstiden ska vara 0–120 månader."),
    (lambda e: e.interval.setValue(0), "interval_months", "Debiteringsintervallet ska vara 1–120 månader."),
    (lambda e: e.payment.setCurrentIndex(e.payment.findData("kontant")), "validity_months",
     "Giltighetstiden ska vara 1–120 månader."),
])
def test_every_bad_product_value_is_refused_at_its_field_and_nothing_is_written(qtbot, dialog, sqlite_core,
                                                                                change, field, message):
    b.catalog(sqlite_core)
    before = products(sqlite_core)
    d = dialog()
    e = editor_for(qtbot, d, "Gym AG")
    change(e)
    qtbot.mouseClick(e.save_button, Qt.MouseButton.LeftButton)
    assert e.isVisible()
    visible = {k: label.text() for k, label in e.errors.items() if label.isVisible()}
    assert list(visible) == [field] and visible[field].startswith(message)
    assert products(sqlite_core) == before and audit_rows(sqlite_core, "Ändra produkt") == []


def test_marking_a_product_tillat_overlatelse_shows_overlat_in_its_menu(qtbot, dialog, sqlite_core, make_actor,
                                                                        tmp_path):
    from wizards.subscription.actions import register_subscription_actions
    from widgets.person_card import PersonCardWidget

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    card12p = b.subscription(sqlite_core, anna, cat.card12_plus, price_list_id=cat.ordinarie,
                             charged_through=date(2026, 12, 31))

    def menu_codes() -> list[str]:
        services = admin_services(sqlite_core, make_actor, tmp_path, "recep")
        services.extra["menu_actions"] = {}
        register_subscription_actions(services)
        card = PersonCardWidget(services, services.extra["menu_actions"])
        qtbot.addWidget(card)
        card.show_person(anna)
        qtbot.waitUntil(lambda: card.data is not None, timeout=5000)
        return [a.objectName() for a in card.subscriptions_tab.menu_buttons[card12p].menu().actions()]

    assert "overlat" not in menu_codes()
    d = dialog()
    e = editor_for(qtbot, d, "Gym Plus 12 mån")
    assert not e.transfer.isChecked()
    e.transfer.setChecked(True)
    qtbot.mouseClick(e.save_button, Qt.MouseButton.LeftButton)
    assert not e.isVisible()
    assert products(sqlite_core)["CARD12P"]["transfer"] is True
    assert "overlat" in menu_codes()


def test_a_price_change_applies_to_new_sales_and_never_to_existing_subscriptions(qtbot, dialog, sqlite_core,
                                                                                 make_actor):
    from app.routines.subscriptions.debit import DebitSubscription, DebitSubscriptionRoutine

    cat = b.catalog(sqlite_core)
    anna = b.person(sqlite_core, 1)
    gym = b.subscription(sqlite_core, anna, cat.gym, price_list_id=cat.ordinarie)
    d = dialog()
    e = editor_for(qtbot, d, "Gym AG")
    assert e.price.text() == "399,00" and e.list_prices[cat.ordinarie].text() == "399,00"
    e.price.setText("449,00")
    e.list_prices[cat.ordinarie].setText("449,00")
    qtbot.mouseClick(e.save_button, Qt.MouseButton.LeftButton)
    assert not e.isVisible()
    assert products(sqlite_core)["GYM"]["prices"][cat.ordinarie] == 44900
    assert b.sub(sqlite_core, gym)["price_ore"] == 39900  # sold at 399 kr: stays 399 kr
    preview = DebitSubscriptionRoutine(sqlite_core).preview(DebitSubscription(gym, 1))
    assert preview.total_ore == 39900  # the next debit of the existing subscription
    with sqlite_core.sessions() as s:
        assert {m.name: m.price_ore for m in main_products(s, cat.ordinarie)}["Gym AG"] == 44900  # a new sale


def test_add_ons_per_routine_are_saved_and_offered_by_the_routines(qtbot, dialog, sqlite_core):
    from db.models import AddonRule

    cat = b.catalog(sqlite_core)
    d = dialog()
    e = editor_for(qtbot, d, "Gym AG")
    assert e.addons_box.isVisibleTo(e)
    towel_teckna = e.addon_combos[(cat.towel, "teckna")]
    towel_reg = e.addon_combos[(cat.towel, "registrering")]
    assert towel_teckna.currentData() == "ej_valbart"
    towel_teckna.setCurrentIndex(towel_teckna.findData("obligatoriskt"))
    towel_reg.setCurrentIndex(towel_reg.findData("valbart"))
    qtbot.mouseClick(e.save_button, Qt.MouseButton.LeftButton)
    assert not e.isVisible()
    with sqlite_core.sessions() as s:
        rules = {(r.addon_product_id, r.routine): r.availability
                 for r in s.scalars(select(AddonRule).where(AddonRule.main_product_id == cat.gym))}
        assert rules == {(cat.towel, "teckna"): "obligatoriskt", (cat.towel, "registrering"): "valbart"}
        (offered,) = addons_for(s, cat.gym, cat.ordinarie, "teckna")
        assert offered.id == cat.towel and offered.mandatory
        assert addons_for(s, cat.gym, cat.ordinarie, "organisation") == []  # ej valbart there
    # An add-on product has no add-ons of its own: the section is hidden for it.
    e2 = editor_for(qtbot, d, "Handduk AG")
    assert not e2.addons_box.isVisibleTo(e2)
