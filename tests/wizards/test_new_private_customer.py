"""Flow 1, Registrera ny privatkund: typed into the real pages, Nästa to Slutför, checked in the database."""
from __future__ import annotations

from pathlib import Path

import cv2
import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select

from app.routines.membership_card import CARD_TAKEN_MESSAGE
from db.models import AutogiroMandate, Card, CustomerTypeProof, Order, Person, Photo, Subscription
from tests.app import builders
from tests.devices.test_camera import make_frame, write_video
from tests.wizards.conftest import WAIT_MS, Driver
from wizards.base import PageId
from wizards.registration import start_new_private_customer

pytestmark = pytest.mark.qt_log_ignore(r"This plugin does not support propagateSizeHints",
                                       r"This plugin does not support raise\(\)")

PNR = "850709-9805"


def photo_file(tmp_path: Path) -> Path:
    ok, data = cv2.imencode(".png", make_frame(1))
    assert ok
    path = tmp_path / "kund.png"
    path.write_bytes(data.tobytes())
    return path


def pick_product(d: Driver, product_id: int) -> None:
    lst = d.page().products
    for row in range(lst.count()):
        item = lst.item(row)
        if item.data(Qt.ItemDataRole.UserRole) == product_id:
            rect = lst.visualItemRect(item)
            d.qtbot.mouseClick(lst.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
            assert lst.currentRow() == row
            return
    raise AssertionError(f"product {product_id} not offered")


def legitimering_ordinarie(d: Driver) -> None:
    page = d.page()
    assert d.wizard.currentId() == PageId.LEGITIMERING
    d.click(page.type_buttons["ordinarie"])
    assert not d.next_button.isEnabled()  # the ID tick is missing
    d.click(page.check_boxes()["id"])
    d.next(PageId.PERSONUPPGIFTER)


def personuppgifter(d: Driver, pnr: str = PNR, shots: bool = False) -> None:
    page = d.page()
    d.type(page.personnummer, pnr)
    d.type(page.edits["first_name"], "Anna")
    d.type(page.edits["last_name"], "Öberg")
    d.type(page.address.street, "Storgatan 1")
    d.type(page.address.postal_code, "11455")
    assert page.address.town.text() == "Stockholm"
    d.type(page.edits["email"], "anna@example.se")
    assert not d.next_button.isEnabled()  # mobile still missing
    d.type(page.edits["mobile"], "070-123 45 67")
    if shots:
        d.screenshot("registrering-2-personuppgifter.png")
    d.next(PageId.PRODUKTER)


def autogiro(d: Driver, shots: bool = False) -> None:
    page = d.page()
    assert page.edits["holder_name"].text() == "Anna Öberg"  # prefilled from the person
    assert page.edits["holder_personnummer"].text() == "19850709-9805"
    d.type(page.edits["clearing"], "5000")
    d.type(page.edits["account"], "1234560")
    assert page.bank.text() == "Bank: SEB, konto 5000, 1234560"
    if shots:
        d.screenshot("registrering-4-autogiromedgivande.png")
    d.next(PageId.INPASSERING)


def choose_photo(d: Driver, path: Path) -> None:
    photo = d.page().photo
    photo.choose_file = lambda parent: str(path)
    with d.qtbot.waitSignal(photo.photo_changed, timeout=WAIT_MS):
        d.click(photo.file_button)
    assert photo.jpeg() is not None


def run_to_inpassering(d: Driver, cat, shots: bool = False) -> None:
    if shots:
        page = d.page()
        d.click(page.type_buttons["student"])
        d.type(page.valid_until, "2027-06-30")
        d.screenshot("registrering-1-legitimering.png")
        d.click(page.type_buttons["ordinarie"])
    legitimering_ordinarie(d)
    personuppgifter(d, shots=shots)
    pick_product(d, cat.gym_ag)
    assert "Att betala idag: 600,00 kr" in d.page().summary.text()  # 400 kr + administrationsavgift 200 kr
    assert "Därefter per månad (autogiro): 400,00 kr" in d.page().summary.text()
    assert "Bindningstid: 12 mån" in d.page().summary.text()
    fee = d.page().addon_boxes()[cat.admin_fee]
    assert fee.isChecked() and not fee.isEnabled() and "obligatoriskt" in fee.text()
    if shots:
        d.screenshot("registrering-3-produkter.png")
    d.next(PageId.AUTOGIRO)
    autogiro(d, shots=shots)


def test_flow_1_end_to_end_with_mandate_photo_and_typed_card(qtbot, services, cat, sqlite_core, tmp_path):
    orders, opened = [], []
    services.bus.order_created.connect(orders.append)
    services.bus.open_person.connect(opened.append)
    d = Driver(qtbot, start_new_private_customer(services))
    assert d.wizard.windowTitle() == "Registrera ny privatkund"
    run_to_inpassering(d, cat, shots=True)
    choose_photo(d, photo_file(tmp_path))
    d.type(d.page().card_number, "0004520100")
    assert not d.page().card_error.isVisible()
    d.screenshot("registrering-5-inpasseringsuppgifter.png")
    d.next(PageId.SAMMANFATTNING)
    page = d.page()
    assert page.total.text() == "<b>Att betala i kassan: 600,00 kr</b>"
    assert "0004520100" in page.details.text() and "Anna Öberg" in page.details.text()
    assert "Legitimering" in page.details.text() and "Legitimation" not in page.details.text()  # the page's name
    assert page.lines.rowCount() == 2
    d.screenshot("registrering-6-sammanfattning.png")
    d.finish()
    assert not d.wizard.isVisible()

    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == "198507099805"))
        assert (person.first_name, person.last_name, person.email) == ("Anna", "Öberg", "anna@example.se")
        assert person.customer_type == "ordinarie"
        assert s.scalar(select(CustomerTypeProof).where(CustomerTypeProof.person_id == person.id)).id_document == "svensk"
        sub = s.scalar(select(Subscription).where(Subscription.user_id == person.id, Subscription.parent_id.is_(None)))
        assert sub.product_id == cat.gym_ag and sub.status == "aktivt"
        mandate = s.scalar(select(AutogiroMandate).where(AutogiroMandate.person_id == person.id))
        assert (mandate.clearing, mandate.account_number, mandate.status) == ("5000", "1234560", "ny")
        assert s.scalar(select(Card.card_number).where(Card.person_id == person.id)) == "0004520100"
        photo = s.scalar(select(Photo).where(Photo.person_id == person.id))
        assert photo.jpeg.startswith(b"\xff\xd8") and photo.is_current
        order = s.scalar(select(Order).where(Order.person_id == person.id))
        assert order.lines and sum(li.amount_ore for li in order.lines) == 60000
    assert orders == [order.id]
    assert opened == [person.id]


def test_flow_1_card_swiped_and_photo_from_the_camera(qtbot, services, cat, sqlite_core, tmp_path):
    services.extra["camera_source"] = str(write_video(tmp_path / "kamera.avi", frames=5, fps=25.0))
    swipes_to_main_window = []
    services.cards.card_read.connect(swipes_to_main_window.append)
    d = Driver(qtbot, start_new_private_customer(services))
    run_to_inpassering(d, cat)
    page = d.page()
    assert page.is_intercepting()
    qtbot.waitUntil(page.photo.is_live, timeout=WAIT_MS)
    with qtbot.waitSignal(page.photo.photo_changed, timeout=WAIT_MS):
        d.click(page.photo.take_button)
    services.cards._on_card("0004999888")  # what an attached reader's card_read does
    assert page.card_number.text() == "0004999888"
    assert swipes_to_main_window == []  # the swipe filled the field instead of opening a person card
    d.next(PageId.SAMMANFATTNING)
    assert not page.is_intercepting()  # off screen: swipes go to the main window again
    services.cards._on_card("123")
    assert swipes_to_main_window == ["123"]
    d.finish()
    with sqlite_core.sessions() as s:
        person = s.scalar(select(Person).where(Person.personnummer == "198507099805"))
        assert s.scalar(select(Card.card_number).where(Card.person_id == person.id)) == "0004999888"
        assert s.scalar(select(Photo).where(Photo.person_id == person.id)).jpeg.startswith(b"\xff\xd8")
    assert not page.photo.is_capturing()


def test_flow_1_cancel_midway_writes_nothing(qtbot, services, cat, sqlite_core, confirm):
    before = builders.counts(sqlite_core)
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    personuppgifter(d)
    pick_product(d, cat.gym_ag)
    qtbot.keyClick(d.wizard, Qt.Key.Key_Escape)
    assert len(confirm.calls) == 1  # data was entered: asked first
    assert not d.wizard.isVisible()
    assert builders.counts(sqlite_core) == before


def test_cancel_question_answered_no_keeps_the_wizard_and_its_data(qtbot, services, cat, confirm):
    confirm.answer = False
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    d.type(d.page().edits["first_name"], "Anna")
    d.qtbot.mouseClick(d.wizard.button(d.wizard.WizardButton.CancelButton), Qt.MouseButton.LeftButton)
    assert d.wizard.isVisible() and d.page().edits["first_name"].text() == "Anna"


def test_cancel_without_input_asks_nothing(qtbot, services, cat, confirm):
    d = Driver(qtbot, start_new_private_customer(services))
    qtbot.keyClick(d.wizard, Qt.Key.Key_Escape)
    assert confirm.calls == [] and not d.wizard.isVisible()


def test_enter_is_next(qtbot, services, cat):
    d = Driver(qtbot, start_new_private_customer(services))
    legitimering_ordinarie(d)
    page = d.page()
    for name, text in (("first_name", "Anna"), ("last_name", "Öberg"), ("email", "anna@example.se"),
                       ("mobile", "0701234567")):
        d.type(page.edits[name], text)
    d.type(page.personnummer, PNR, leave=False)
    qtbot.keyClick(page.personnummer, Qt.Key.Key_Return)
    assert d.wizard.currentId() == PageId.PRODUKTER


def test_card_taken_by_another_desk_before_slutfor_writes_nothing(qtbot, services, cat, sqlite_core, tmp_path):
    other = builders.add_person(sqlite_core, builders.person_data("19900101-0017", "Bo", "Berg", "bo@example.se"))
    d = Driver(qtbot, start_new_private_customer(services))
    run_to_inpassering(d, cat)
    d.type(d.page().card_number, "0004520100")
    d.next(PageId.SAMMANFATTNING)
    builders.add_card(sqlite_core, other, "0004520100")  # another desk, meanwhile
    before = builders.counts(sqlite_core)
    d.finish()
    assert d.wizard.isVisible()
    assert d.wizard.currentId() == PageId.INPASSERING  # back at the field
    assert d.page().card_error.isVisible() and d.page().card_error.text() == CARD_TAKEN_MESSAGE
    assert not d.next_button.isEnabled()
    assert builders.counts(sqlite_core) == before
    # Everything typed is intact: a free card gets the registration through.
    d.type(d.page().card_number, "0004520101")
    d.next(PageId.SAMMANFATTNING)
    d.finish()
    assert not d.wizard.isVisible()
    with sqlite_core.sessions() as s:
        assert s.scalar(select(Person).where(Person.personnummer == "198507099805")).first_name == "Anna"
